import { type Tensor, tensor } from '@facet/torch';
import type { HostBatch } from './loader.js';

export interface TensorBatch {
  /** N×3×H×W, normalised */
  images: Tensor;
  /** N×H×W int64 region (or coarse) labels; 255 where unlabelled */
  labels: Tensor | null;
  /** N×A float 0/1 */
  targets: Tensor | null;
}

/** The batch on `device`: each array copied there once (labels widened to int64 there). */
export function toTensors(b: HostBatch, device = 'cpu'): TensorBatch {
  const images = tensor(b.images, [b.count, 3, b.height, b.width], { device });
  let labels: Tensor | null = null;
  if (b.labels) {
    const u8 = tensor(b.labels, [b.count, b.height, b.width], { device });
    labels = u8.toDtype('int64');
    u8.dispose();
  }
  const targets = b.targets ? tensor(b.targets, [b.count, b.targets.length / b.count], { device }) : null;
  return { images, labels, targets };
}
