// Random weights with the networks' exact parameter names and shapes (models/weight_layout.ts),
// made in plain JS: lets benchmarks build the ONNX graphs without libtorch.
// Convs: He-normal; BatchNorm: identity statistics; PReLU 0.25; linears: uniform ±1/√fan_in.
import type { SafetensorsEntry } from '@facet/torch/safetensors-format';
import { type LaidOutModel, type WeightRole, isParameterKey, weightLayout } from '../models/weight_layout.js';
import { Rng } from '../data/synth/prng.js';

export function syntheticWeights(model: LaidOutModel, widthMult: number, attributes = 40, seed = 0): Map<string, SafetensorsEntry> {
  const rng = new Rng(seed);
  const out = new Map<string, SafetensorsEntry>();
  for (const { name, shape, role } of weightLayout(model, widthMult, attributes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, initialiser(role, rng));
    out.set(name, { dtype: 'float32', shape, data: new Uint8Array(v.buffer) });
  }
  return out;
}

function initialiser(role: WeightRole, rng: Rng): () => number {
  switch (role.kind) {
    case 'conv': {
      const std = Math.sqrt(2 / role.fanIn);
      return () => rng.normal() * std;
    }
    case 'linear': {
      const b = 1 / Math.sqrt(role.fanIn);
      return () => (2 * rng.next() - 1) * b;
    }
    case 'bn_weight':
    case 'running_var':
      return () => 1;
    case 'bias':
    case 'bn_bias':
    case 'running_mean':
      return () => 0;
    case 'prelu':
      return () => 0.25;
  }
}

/** Parameters (not buffers) in a weights map. */
export function parameterCount(weights: Map<string, SafetensorsEntry>): number {
  let n = 0;
  for (const [k, e] of weights) if (isParameterKey(k)) n += e.shape.reduce((a, b) => a * b, 1);
  return n;
}
