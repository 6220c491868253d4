// Weight initialisation, following torch.nn.init's formulas.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';

/** fan_in and fan_out as torch computes them: dim 1 and dim 0 times the receptive field. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new Error('init: fan in/out need a tensor of at least 2 dims');
  const field = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1]! * field, fanOut: s[0]! * field };
}

/** Gain of leaky_relu / PReLU with negative slope a: sqrt(2 / (1 + a²)). */
export function leakyReluGain(a: number): number {
  return Math.sqrt(2 / (1 + a * a));
}

/** Kaiming-normal, fan-in mode: N(0, gain² / fan_in). */
export function kaimingNormal_(t: Tensor, negativeSlope = 0): Tensor {
  const std = leakyReluGain(negativeSlope) / Math.sqrt(fans(t).fanIn);
  return noGrad(() => t.normal_(0, std));
}

/** PyTorch's default for Linear/Conv: kaiming_uniform(a=√5), i.e. U(±1/√fan_in). */
export function defaultUniform_(t: Tensor, fanIn: number): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return noGrad(() => t.uniform_(-bound, bound));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}
