// Parser training (spec §2): deep supervision at four scales, on fine 7-region masks
// and/or coarse ones (LFW Part Labels) through the partial-label loss.
import { type Tensor, tensor, tidy, noGrad } from '@facet/torch';
import { Parser, parserLoss, type ParserOutputs } from '../../models/parser.js';
import type { Precision } from '../../models/precision.js';
import { inPrecision, prepareInput, toFloat32 } from '../../models/mixed_precision.js';
import { DataLoader, type HostBatch } from '../../data/loader/loader.js';
import { toTensors } from '../../data/loader/to_tensors.js';
import type { SplitSource } from '../../data/loader/split_source.js';
import { IoUAccumulator, coarsen, type IoUResult } from '../../eval/iou.js';
import { REGION_NAMES } from '../../regions.js';
import type { CoarseLabelSet } from '../../data/label_sets.js';
import type { RunConfig } from '../config.js';
import type { TrainingTask, Validation } from '../task.js';
import { deviceOf } from '../device.js';

/** One labelled source: its loader and, for coarse masks, its label set. */
export interface ParseSource {
  source: SplitSource;
  loader: DataLoader;
  coarse: CoarseLabelSet | null;
}

export function coarseOf(source: SplitSource): CoarseLabelSet | null {
  return source.dataset.maskKind === 'coarse' ? source.dataset.coarseLabels ?? null : null;
}

export interface ParseEvaluation {
  classNames: string[];
  perClass: Array<number | null>;
  meanIoU: number;
  /** the accumulated counts behind the numbers */
  iou: IoUResult;
}

/** The parser's four outputs in a precision (models/precision.ts), as float32. */
export function parserForward(parser: Parser, images: Tensor, precision: Precision = 'fp32'): ParserOutputs {
  if (precision === 'fp32') return parser.forward(images);
  return tidy(() => inPrecision(precision, () => parser.forward(prepareInput(images, precision)).map(toFloat32) as ParserOutputs));
}

/** IoU over the first `limit` items of a loader (fine regions, or the coarse classes). */
export async function evaluateParser(parser: Parser, src: ParseSource, limit = 0, imagesFor?: (images: Tensor) => Tensor,
  precision: Precision = 'fp32'): Promise<ParseEvaluation> {
  const total = limit > 0 ? Math.min(limit, src.loader.size) : src.loader.size;
  const names = src.coarse ? [...src.coarse.names] : [...REGION_NAMES];
  const acc = new IoUAccumulator(names);
  const wasTraining = parser.training;
  parser.eval();
  try {
    const bs = src.loader.options.batchSize;
    for (let s = 0; s * bs < total; s++) {
      const b = await src.loader.batch(s);
      const pred = noGrad(() => tidy(() => {
        const { images } = toTensors(b, deviceOf(parser));
        const outs = parserForward(parser, imagesFor ? imagesFor(images) : images, precision);
        return outs[3].argmax(1).toDtype('uint8').data() as Uint8Array;
      }));
      const plane = b.height * b.width;
      for (let n = 0; n < b.count && s * bs + n < total; n++) {
        const p = pred.subarray(n * plane, (n + 1) * plane);
        acc.add(src.coarse ? coarsen(p, src.coarse) : p, b.labels!.subarray(n * plane, (n + 1) * plane));
      }
    }
  } finally {
    parser.train(wasTraining);
  }
  const r = acc.result();
  return { classNames: names, perClass: r.perClass, meanIoU: r.mean ?? Number.NaN, iou: r };
}

export class ParserTask implements TrainingTask<HostBatch[]> {
  readonly imagesPerStep: number;
  readonly #classWeights: Tensor | null;
  /** per training source: its coarse classes' weights (classBalance), or null */
  readonly #coarseWeights: Array<Tensor | null>;
  readonly #device: string;

  constructor(readonly config: RunConfig, readonly model: Parser, readonly train: ParseSource[], readonly val: ParseSource | null) {
    this.imagesPerStep = config.recipe.batch * train.length;
    const device = this.#device = deviceOf(model);
    this.#classWeights = config.classWeights ? tensor(new Float32Array(config.classWeights), { device }).keep() : null;
    this.#coarseWeights = train.map((s) => {
      const w = s.coarse ? config.coarseClassWeights?.[s.coarse.names.join(',')] : undefined;
      return w ? tensor(new Float32Array(w), { device }).keep() : null;
    });
  }

  prepare(step: number): Promise<HostBatch[]> {
    return Promise.all(this.train.map((s) => s.loader.batch(step)));
  }

  loss(batches: HostBatch[]): Tensor {
    return tidy(() => {
      let total: Tensor | null = null;
      batches.forEach((b, k) => {
        const { images, labels } = toTensors(b, this.#device);
        const coarse = this.train[k]!.coarse;
        const l = parserLoss(parserForward(this.model, images, this.config.recipe.precision), labels!, coarse
          ? { coarseToFine: coarse.coarseToFine, classWeights: this.#coarseWeights[k] ?? null }
          : { classWeights: this.#classWeights });
        total = total ? total.add(l) : l;
      });
      return total!;
    });
  }

  async validate(): Promise<Validation> {
    if (!this.val) return { score: Number.NaN, scoreName: 'none', metrics: {} };
    const r = await evaluateParser(this.model, this.val, this.config.recipe.evalLimit, undefined, this.config.recipe.precision);
    const perClass = Object.fromEntries(r.classNames.map((n, i) => [`val_iou_${n}`, r.perClass[i]]));
    return { score: r.meanIoU, scoreName: 'val_mean_iou', metrics: { val_mean_iou: r.meanIoU, ...perClass } };
  }

  async close(): Promise<void> {
    this.#classWeights?.dispose();
    for (const w of this.#coarseWeights) w?.dispose();
    for (const s of this.train) await s.loader.close();
    await this.val?.loader.close();
  }
}
