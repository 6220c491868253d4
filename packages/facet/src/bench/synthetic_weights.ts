// Random weights with the networks' exact parameter names and shapes (models/*.ts),
// made in plain JS: lets benchmarks build the ONNX graphs without libtorch.
// Convs: He-normal; BatchNorm: identity statistics; PReLU 0.25; linears: uniform ±1/√fan_in.
import type { SafetensorsEntry } from '@facet/torch/safetensors-format';
import { REGION_COUNT } from '../../regions.js';
import { scaled } from '../../models/width.js';
import { Rng } from '../../data/synth/prng.js';

export type SyntheticModel = 'parser' | 'ssp' | 'basic';


/** Whether a state-dict key is a trainable parameter (not a BatchNorm buffer). */
export function isParameterKey(key: string): boolean {
  return !/\.(running_mean|running_var|num_batches_tracked)$/.test(key);
}

export function syntheticWeights(model: SyntheticModel, widthMult: number, attributes = 40, seed = 0): Map<string, SafetensorsEntry> {
  const rng = new Rng(seed);
  const out = new Map<string, SafetensorsEntry>();
  layout(model, widthMult, attributes, { r: () => rng.next(), normal: () => rng.normal() }, (name, shape, f) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, f);
    out.set(name, { dtype: 'float32', shape, data: new Uint8Array(v.buffer) });
  });
  return out;
}

/** The names and shapes alone (what a bundle's weights must hold), with no data made. */
export function weightShapes(model: SyntheticModel, widthMult: number, attributes = 40): Map<string, number[]> {
  const out = new Map<string, number[]>();
  layout(model, widthMult, attributes, { r: () => 0, normal: () => 0 }, (name, shape) => out.set(name, shape));
  return out;
}

type Put = (name: string, shape: number[], init: () => number) => void;

/** The networks' parameters in state-dict order, each with its initialiser. */
function layout(model: SyntheticModel, widthMult: number, attributes: number, rand: { r: () => number; normal: () => number }, put: Put): void {
  const { r, normal } = rand;
  const cbp = (name: string, cin: number, cout: number, transposed = false): void => {
    const std = Math.sqrt(2 / ((transposed ? cout : cin) * 9));
    put(`${name}.conv.weight`, transposed ? [cin, cout, 3, 3] : [cout, cin, 3, 3], () => normal() * std);
    put(`${name}.bn.weight`, [cout], () => 1);
    put(`${name}.bn.bias`, [cout], () => 0);
    put(`${name}.bn.running_mean`, [cout], () => 0);
    put(`${name}.bn.running_var`, [cout], () => 1);
    put(`${name}.act.weight`, [cout], () => 0.25);
  };
  const linear = (name: string, cin: number, cout: number): void => {
    const b = 1 / Math.sqrt(cin);
    put(`${name}.weight`, [cout, cin], () => (2 * r() - 1) * b);
    put(`${name}.bias`, [cout], () => (2 * r() - 1) * b);
  };
  const w = widthMult;
  let cin = 3;
  [64, 128, 256, 512].forEach((n, i) => {
    const c = scaled(n, w);
    cbp(`encoder.conv${i + 1}1`, cin, c);
    cbp(`encoder.conv${i + 1}2`, c, c);
    cin = c;
  });
  if (model === 'parser') {
    for (const [block, i, o] of [[4, 512, 512], [3, 512, 256], [2, 256, 128], [1, 128, 64]] as const) {
      const ci = scaled(i, w), co = scaled(o, w);
      cbp(`deconv${block}1`, ci, co, true);
      cbp(`deconv${block}2`, co, co, true);
      const std = Math.sqrt(2 / (REGION_COUNT * 9));
      put(`deconv${block}3.weight`, [co, REGION_COUNT, 3, 3], () => normal() * std);
      put(`deconv${block}3.bias`, [REGION_COUNT], () => 0);
    }
    return;
  }
  const c512 = scaled(512, w), c1024 = scaled(1024, w);
  cbp('conv51', c512, c512);
  cbp('conv52', c512, c512);
  cbp('conv61', c512, c1024);
  cbp('conv62', c1024, c1024);
  if (model === 'ssp') {
    linear('rec', c1024, attributes);
    linear('loc', c1024, attributes);
  } else {
    linear('fc', c1024, attributes);
  }
}

/** Parameters (not buffers) in a weights map. */
export function parameterCount(weights: Map<string, SafetensorsEntry>): number {
  let n = 0;
  for (const [k, e] of weights) if (isParameterKey(k)) n += e.shape.reduce((a, b) => a * b, 1);
  return n;
}
