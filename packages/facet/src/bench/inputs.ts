// Random inputs shaped as the PyTorch peer makes them (shared/peers/pytorch_reference.py).
import { type Tensor, randn, randint, softmax, cat, nn, tidy } from '@facet/torch';
import { REGION_COUNT } from '../regions.js';

export interface PeerInputs {
  image: Tensor;
  masksHalf: Tensor;
  masksQuarter: Tensor;
  masksFull: Tensor;
  /** image ++ masksFull along channels (Naive's input). */
  naiveInput: Tensor;
}

export function peerInputs(batch: number, height: number, width: number): PeerInputs {
  return tidy(() => {
    const image = randn([batch, 3, height, width]);
    const masksHalf = softmax(randn([batch, REGION_COUNT, Math.ceil(height / 2), Math.ceil(width / 2)]), 1);
    const masksQuarter = softmax(randn([batch, REGION_COUNT, Math.ceil(height / 4), Math.ceil(width / 4)]), 1);
    const masksFull = nn.functional.interpolate(masksHalf, { size: [height, width] });
    return { image, masksHalf, masksQuarter, masksFull, naiveInput: cat([image, masksFull], 1) };
  });
}

export function randomAttributeTargets(batch: number, attributes = 40): Tensor {
  return tidy(() => randint(0, 2, [batch, attributes]).toDtype('float32'));
}

export function randomRegionLabels(batch: number, height: number, width: number): Tensor {
  return randint(0, REGION_COUNT, [batch, height, width]);
}

export function disposeAll(inputs: PeerInputs): void {
  for (const t of Object.values(inputs)) t.dispose();
}
