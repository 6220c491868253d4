// The networks' state dicts without the networks: every parameter and buffer's name
// and shape in state-dict order, from the architecture table, torch-free. A bundle's
// weights are checked against it (infer/bundle_check.ts); the benchmark fills it with
// random values (bench/synthetic_weights.ts).
import { REGION_COUNT } from '../regions.js';
import { ATTRIBUTE_BLOCKS, DECODER_BLOCKS, ENCODER_BLOCKS, headInputs } from './architecture.js';
import { scaled } from './width.js';

/** The networks laid out: the parser, the SSP attribute net and the basic ("Avg. Pooling") one, at 3 input channels. */
export type LaidOutModel = 'parser' | 'ssp' | 'basic';

/** What kind of tensor an entry is, with the fan-in that scales a random start. */
export type WeightRole =
  | { kind: 'conv'; fanIn: number }
  | { kind: 'linear'; fanIn: number }
  | { kind: 'bias' }
  | { kind: 'bn_weight' }
  | { kind: 'bn_bias' }
  | { kind: 'running_mean' }
  | { kind: 'running_var' }
  | { kind: 'prelu' };

export interface WeightEntry {
  name: string;
  shape: number[];
  role: WeightRole;
}

/** Whether a state-dict key is a trainable parameter (not a BatchNorm buffer). */
export function isParameterKey(key: string): boolean {
  return !/\.(running_mean|running_var|num_batches_tracked)$/.test(key);
}

/** The entries in state-dict order (BatchNorm's num_batches_tracked left out). */
export function weightLayout(model: LaidOutModel, widthMult: number, attributes = 40): WeightEntry[] {
  const out: WeightEntry[] = [];
  const put = (name: string, shape: number[], role: WeightRole): void => {
    out.push({ name, shape, role });
  };
  /** models/blocks.ts CBP: a 3×3 conv (transposed: weight [in, out, …]) → BN → PReLU. */
  const cbp = (name: string, cin: number, cout: number, transposed = false): void => {
    put(`${name}.conv.weight`, transposed ? [cin, cout, 3, 3] : [cout, cin, 3, 3], { kind: 'conv', fanIn: (transposed ? cout : cin) * 9 });
    put(`${name}.bn.weight`, [cout], { kind: 'bn_weight' });
    put(`${name}.bn.bias`, [cout], { kind: 'bn_bias' });
    put(`${name}.bn.running_mean`, [cout], { kind: 'running_mean' });
    put(`${name}.bn.running_var`, [cout], { kind: 'running_var' });
    put(`${name}.act.weight`, [cout], { kind: 'prelu' });
  };
  const linear = (name: string, cin: number, cout: number): void => {
    put(`${name}.weight`, [cout, cin], { kind: 'linear', fanIn: cin });
    put(`${name}.bias`, [cout], { kind: 'linear', fanIn: cin });
  };
  const w = widthMult;
  let cin = 3;
  for (const { block, cout } of ENCODER_BLOCKS) {
    const c = scaled(cout, w);
    cbp(`encoder.conv${block}1`, cin, c);
    cbp(`encoder.conv${block}2`, c, c);
    cin = c;
  }
  if (model === 'parser') {
    for (const { block, cin: i, cout: o } of DECODER_BLOCKS) {
      const ci = scaled(i, w),
        co = scaled(o, w);
      cbp(`deconv${block}1`, ci, co, true);
      cbp(`deconv${block}2`, co, co, true);
      put(`deconv${block}3.weight`, [co, REGION_COUNT, 3, 3], { kind: 'conv', fanIn: REGION_COUNT * 9 });
      put(`deconv${block}3.bias`, [REGION_COUNT], { kind: 'bias' });
    }
    return out;
  }
  for (const { block, cin: i, cout: o } of ATTRIBUTE_BLOCKS) {
    const ci = scaled(i, w),
      co = scaled(o, w);
    cbp(`conv${block}1`, ci, co);
    cbp(`conv${block}2`, co, co);
    cin = co;
  }
  if (model === 'ssp') {
    linear('rec', headInputs('ssp', cin), attributes);
    linear('loc', headInputs('ssp', cin), attributes);
  } else {
    linear('fc', headInputs('avg', cin), attributes);
  }
  return out;
}

/** The names and shapes alone (what a bundle's weights must hold). */
export function weightShapes(model: LaidOutModel, widthMult: number, attributes = 40): Map<string, number[]> {
  return new Map(weightLayout(model, widthMult, attributes).map((e) => [e.name, e.shape]));
}
