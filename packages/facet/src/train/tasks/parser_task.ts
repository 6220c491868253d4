// Parser training (spec §2): deep supervision at four scales, on fine 7-region masks
// and/or coarse ones (LFW Part Labels) through the partial-label loss.
import { type Tensor, tensor, tidy } from '@facet/torch';
import { type Parser, parserLoss } from '../../models/parser.js';
import type { HostBatch } from '../../data/loader/loader.js';
import { toTensors } from '../../data/loader/to_tensors.js';
import type { RunConfig } from '../../runs/config.js';
import { evaluateParser, parserForward, type ParseSource } from '../../runs/parser_evaluation.js';
import { deviceOf } from '../../runs/device.js';
import type { TrainingTask, Validation } from '../task.js';

export class ParserTask implements TrainingTask<HostBatch[]> {
  readonly imagesPerStep: number;
  readonly #classWeights: Tensor | null;
  /** per training source: its coarse classes' weights (classBalance), or null */
  readonly #coarseWeights: Array<Tensor | null>;
  readonly #device: string;
  readonly #coarseWeight: number;

  constructor(
    readonly config: RunConfig,
    readonly model: Parser,
    readonly train: ParseSource[],
    readonly val: ParseSource | null,
  ) {
    this.imagesPerStep = config.recipe.batch * train.length;
    this.#coarseWeight = config.recipe.coarseWeight ?? 1;
    const device = (this.#device = deviceOf(model));
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
        let l = parserLoss(
          parserForward(this.model, images, this.config.recipe.precision),
          labels!,
          coarse ? { coarseToFine: coarse.coarseToFine, classWeights: this.#coarseWeights[k] ?? null } : { classWeights: this.#classWeights },
        );
        if (coarse && this.#coarseWeight !== 1) l = l.mul(this.#coarseWeight);
        total = total ? total.add(l) : l;
      });
      return total!;
    });
  }

  async validate(): Promise<Validation> {
    if (!this.val) return { score: Number.NaN, scoreName: 'none', metrics: {} };
    const r = await evaluateParser(this.model, this.val, { limit: this.config.recipe.evalLimit, precision: this.config.recipe.precision });
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
