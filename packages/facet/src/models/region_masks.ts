// The frozen parser as a source of region probabilities for SSP (1/2 scale, deconv23),
// SSG (1/4, deconv33) and Naive (full scale, deconv13), spec §2.
import { type Tensor, tensor, noGrad, tidy, softmax } from '@facet/torch';
import type { Parser } from './parser.js';
import { flipAveraged } from './flip_average.js';
import { type GuidedFilter, refineParse } from './guided_filter.js';

export interface Norm {
  mean: readonly number[];
  std: readonly number[];
}

export interface RegionProbabilities {
  quarter: Tensor;
  half: Tensor;
  full: Tensor;
}

export interface ParseOptions {
  /** average the parse with its mirror view's (flip_average.ts) */
  flipAverage?: boolean;
  /** refine the full-scale parse along the image's edges (guided_filter.ts); the scales SSP and SSG read stay as they are */
  guidedFilter?: GuidedFilter;
}

/** Overrides of a parse's test-time steps: absent keeps the default, `guidedFilter: null` turns a filter off. */
export interface ParseSettings {
  flipAverage?: boolean;
  guidedFilter?: GuidedFilter | null;
}

/** `defaults` (e.g. a bundle's) with `overrides` applied. */
export function withParseOverrides(defaults: ParseOptions, overrides: ParseSettings = {}): ParseOptions {
  const flipAverage = overrides.flipAverage ?? defaults.flipAverage ?? false;
  const guidedFilter = overrides.guidedFilter === undefined ? defaults.guidedFilter : overrides.guidedFilter;
  return { flipAverage, ...(guidedFilter ? { guidedFilter } : {}) };
}

export class RegionMasks {
  readonly #scale: Tensor;
  readonly #shift: Tensor;

  /**
   * inputNorm: how the images given to compute() were normalised; parserNorm: what the
   * parser was trained on.
   */
  constructor(
    readonly parser: Parser,
    inputNorm: Norm,
    readonly parserNorm: Norm,
    readonly options: ParseOptions = {},
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
        const [, quarter, half, full] = this.options.flipAverage ? flipAveraged((y) => this.parser.forward(y), px) : this.parser.forward(px);
        const { guidedFilter } = this.options;
        // in float32 whatever the precision: the guide's local variances are small differences
        const fullProbabilities = guidedFilter
          ? refineParse(softmax(full.toDtype('float32'), 1), px.toDtype('float32'), this.parserNorm, guidedFilter)
          : softmax(full, 1);
        return { quarter: softmax(quarter, 1), half: softmax(half, 1), full: fullProbabilities };
      }),
    );
  }

  dispose(): void {
    this.#scale.dispose();
    this.#shift.dispose();
  }
}
