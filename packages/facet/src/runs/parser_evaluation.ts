// A parser's IoU over a split (spec §9), for its validation during training, for
// `facet eval` of a parser or joint run and of a bundle's parser: fine regions, or a
// coarse source's own classes.
import { type Tensor, tidy, noGrad } from '@facet/torch';
import type { Parser, ParserOutputs } from '../models/parser.js';
import type { Precision } from '../models/precision.js';
import { inPrecision, prepareInput, toFloat32 } from '../models/mixed_precision.js';
import type { DataLoader, HostBatch } from '../data/loader/loader.js';
import { toTensors } from '../data/loader/to_tensors.js';
import type { SplitSource } from '../data/loader/split_source.js';
import type { CoarseLabelSet } from '../data/label_sets.js';
import { IoUAccumulator, coarsen, type IoUResult } from '../metrics/iou.js';
import { flipAveraged } from '../models/flip_average.js';
import { refineParse } from '../models/guided_filter.js';
import type { ParseOptions } from '../models/region_masks.js';
import { REGION_NAMES } from '../regions.js';
import { deviceOf } from './device.js';

/** One labelled source: its loader and, for coarse masks, its label set. */
export interface ParseSource {
  source: SplitSource;
  loader: DataLoader;
  coarse: CoarseLabelSet | null;
}

export function coarseOf(source: SplitSource): CoarseLabelSet | null {
  return source.dataset.maskKind === 'coarse' ? (source.dataset.coarseLabels ?? null) : null;
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

/** The parse's test-time steps (flip averaging, guided filter) as a bundle may take them, and: */
export interface ParseEvalOptions extends ParseOptions {
  /** the first items only (0: all) */
  limit?: number;
  precision?: Precision;
}

/**
 * The final-scale parse of a loader's items, batch by batch, in order: `read` turns each
 * batch's N×7×H×W logits (with a guided filter: the refined parse's log-probabilities)
 * into host arrays (inside tidy), and each item of the batch comes
 * back with its index and the batch's size. The loader's stream wraps round at its end,
 * so the last batch's items past `limit` (default: all) are not handed out.
 */
export async function forEachParse<T>(
  parser: Parser,
  loader: DataLoader,
  o: ParseEvalOptions,
  read: (logits: Tensor) => T,
  each: (index: number, n: number, value: T, batch: HostBatch) => void | Promise<void>,
): Promise<void> {
  const { limit = 0, precision = 'fp32' } = o;
  const total = limit > 0 ? Math.min(limit, loader.size) : loader.size;
  const wasTraining = parser.training;
  parser.eval();
  try {
    const bs = loader.options.batchSize;
    for (let s = 0; s * bs < total; s++) {
      const b = await loader.batch(s);
      const value = noGrad(() =>
        tidy(() => {
          const { images } = toTensors(b, deviceOf(parser));
          const forward = (x: Tensor) => parserForward(parser, x, precision);
          const logits = (o.flipAverage ? flipAveraged(forward, images) : forward(images))[3];
          if (!o.guidedFilter) return read(logits);
          const refined = refineParse(logits.softmax(1), images, loader.options.normalization, o.guidedFilter);
          return read(refined.clampMin(1e-12).log());
        }),
      );
      for (let n = 0; n < b.count && s * bs + n < total; n++) await each(s * bs + n, n, value, b);
    }
  } finally {
    parser.train(wasTraining);
  }
}

/** IoU over the items of a loader (fine regions, or the coarse classes). */
export async function evaluateParser(parser: Parser, src: ParseSource, o: ParseEvalOptions = {}): Promise<ParseEvaluation> {
  const names = src.coarse ? [...src.coarse.names] : [...REGION_NAMES];
  const acc = new IoUAccumulator(names);
  await forEachParse(
    parser,
    src.loader,
    o,
    (logits) => logits.argmax(1).toDtype('uint8').data() as Uint8Array,
    (_, n, pred, b) => {
      const plane = b.height * b.width;
      const p = pred.subarray(n * plane, (n + 1) * plane);
      acc.add(src.coarse ? coarsen(p, src.coarse) : p, b.labels!.subarray(n * plane, (n + 1) * plane));
    },
  );
  const r = acc.result();
  return { classNames: names, perClass: r.perClass, meanIoU: r.mean ?? Number.NaN, iou: r };
}
