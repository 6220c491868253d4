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

export function toTensors(b: HostBatch): TensorBatch {
  const images = tensor(b.images, [b.count, 3, b.height, b.width]);
  let labels: Tensor | null = null;
  if (b.labels) {
    const u8 = tensor(b.labels, [b.count, b.height, b.width]);
    labels = u8.toDtype('int64');
    u8.dispose();
  }
  const targets = b.targets ? tensor(b.targets, [b.count, b.targets.length / b.count]) : null;
  return { images, labels, targets };
}
