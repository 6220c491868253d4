// The frozen parser as a source of region probabilities for SSP (1/2 scale, deconv23),
// SSG (1/4, deconv33) and Naive (full scale, deconv13), spec §2.
import { type Tensor, tensor, noGrad, tidy, softmax } from '@facet/torch';
import type { Parser } from './parser.js';
import { flipAveraged } from './flip_average.js';

export interface Norm {
  mean: readonly number[];
  std: readonly number[];
}

export interface RegionProbabilities {
  quarter: Tensor;
  half: Tensor;
  full: Tensor;
}

export class RegionMasks {
  readonly #scale: Tensor;
  readonly #shift: Tensor;

  /**
   * inputNorm: how the images given to compute() were normalised; parserNorm: what the
   * parser was trained on; flipAverage: average the parse with its mirror view's (flip_average.ts).
   */
  constructor(
    readonly parser: Parser,
    inputNorm: Norm,
    parserNorm: Norm,
    readonly flipAverage = false,
  ) {
    parser.eval();
    // on the parser's device: build RegionMasks after placing the parser
    const device = parser.parameters()[0]?.device ?? 'cpu';
    this.#scale = tensor(new Float32Array(inputNorm.std.map((s, c) => s / parserNorm.std[c]!)), [1, 3, 1, 1], { device }).keep();
    this.#shift = tensor(new Float32Array(inputNorm.mean.map((m, c) => (m - parserNorm.mean[c]!) / parserNorm.std[c]!)), [1, 3, 1, 1], { device }).keep();
  }

  /** x re-normalised with the parser's statistics (per-channel affine). */
  parserInput(x: Tensor): Tensor {
    return x.mul(this.#scale).add(this.#shift);
  }

  compute(x: Tensor): RegionProbabilities {
    return noGrad(() =>
      tidy(() => {
        const px = this.parserInput(x);
        const [, quarter, half, full] = this.flipAverage ? flipAveraged((y) => this.parser.forward(y), px) : this.parser.forward(px);
        return { quarter: softmax(quarter, 1), half: softmax(half, 1), full: softmax(full, 1) };
      }),
    );
  }

  dispose(): void {
    this.#scale.dispose();
    this.#shift.dispose();
  }
}
