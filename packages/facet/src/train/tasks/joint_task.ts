// The joint model (spec §7): an attribute batch and a parsing batch per step, one
// optimizer step on the summed loss; attributeWeight 0 is the "without attributes" arm.
import { type Tensor, tidy } from '@facet/torch';
import { JointModel } from '../../models/joint.js';
import type { DataLoader, HostBatch } from '../../data/loader/loader.js';
import { toTensors } from '../../data/loader/to_tensors.js';
import type { RunConfig } from '../../runs/config.js';
import type { TrainingTask, Validation } from '../task.js';
import { evaluateParser, type ParseSource } from '../../runs/parser_evaluation.js';
import { deviceOf } from '../../runs/device.js';

export class JointTask implements TrainingTask<[HostBatch, HostBatch]> {
  readonly imagesPerStep: number;

  constructor(
    readonly config: RunConfig,
    readonly model: JointModel,
    readonly attributes: DataLoader,
    readonly parsing: ParseSource,
    readonly val: ParseSource | null,
    readonly attributeWeight: number,
  ) {
    this.imagesPerStep = 2 * config.recipe.batch;
  }

  prepare(step: number): Promise<[HostBatch, HostBatch]> {
    return Promise.all([this.attributes.batch(step), this.parsing.loader.batch(step)]);
  }

  loss([a, p]: [HostBatch, HostBatch]): Tensor {
    return tidy(() => {
      const device = deviceOf(this.model);
      const attr = toTensors(a, device),
        parse = toTensors(p, device);
      return this.model.loss(attr.images, attr.targets!, parse.images, parse.labels!, this.attributeWeight);
    });
  }

  async validate(): Promise<Validation> {
    if (!this.val) return { score: Number.NaN, scoreName: 'none', metrics: {} };
    const r = await evaluateParser(this.model.parser, this.val, { limit: this.config.recipe.evalLimit });
    const perClass = Object.fromEntries(r.classNames.map((n, i) => [`val_iou_${n}`, r.perClass[i]]));
    return { score: r.meanIoU, scoreName: 'val_mean_iou', metrics: { val_mean_iou: r.meanIoU, ...perClass } };
  }

  async close(): Promise<void> {
    await this.attributes.close();
    await this.parsing.loader.close();
    await this.val?.loader.close();
  }
}
