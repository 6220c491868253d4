// torch.autograd.gradcheck's idea: autograd's gradient of L = Σ f(x)·v (v fixed and
// random) against central differences, element by element, in float64.
import { Tensor } from './tensor.js';
import { tensor } from './creation.js';
import { tidy } from './scope.js';
import { noGrad } from './autograd.js';
import { randnLike } from './ops.generated.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many elements per input (spread evenly); default all. */
  maxElements?: number;
}

export interface GradcheckReport {
  maxAbsError: number;
  checked: number;
}

/**
 * Throws when an analytic gradient differs from the numeric one by more than
 * atol + rtol·|numeric|. Inputs must be float64; the function may return several tensors.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const eps = options.eps ?? 1e-6,
    atol = options.atol ?? 1e-5,
    rtol = options.rtol ?? 1e-3;
  for (const x of inputs) if (x.dtype !== 'float64') throw new TypeError(`gradcheck: inputs must be float64, got ${x.dtype}`);
  const asList = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);
  const base = inputs.map((x) => x.data() as Float64Array);
  const shapes = inputs.map((x) => x.shape);
  const probes = tidy(() => asList(fn(...inputs.map((x) => x.detach()))).map((o) => noGrad(() => randnLike(o).toDtype('float64'))));
  const objective = (outs: Tensor[]): Tensor =>
    tidy(() => {
      let total: Tensor | null = null;
      outs.forEach((o, k) => {
        const term = o.toDtype('float64').mul(probes[k]!).sum();
        total = total ? total.add(term) : term;
      });
      return total!;
    });
  try {
    const analytic = tidy(() => {
      const leaves = base.map((b, i) => tensor(b, shapes[i]!, { requiresGrad: true }));
      objective(asList(fn(...leaves))).backward();
      return leaves.map((l) => {
        const g = l.grad;
        return g ? (g.data() as Float64Array) : new Float64Array(l.numel);
      });
    });
    const valueWith = (i: number, k: number, delta: number): number =>
      tidy(() => {
        const perturbed = Float64Array.from(base[i]!);
        perturbed[k]! += delta;
        const args = base.map((b, j) => tensor(j === i ? perturbed : b, shapes[j]!));
        return noGrad(() => objective(asList(fn(...args))).item());
      });
    let maxAbsError = 0,
      checked = 0;
    base.forEach((b, i) => {
      const n = b.length;
      const stride = options.maxElements && n > options.maxElements ? n / options.maxElements : 1;
      for (let f = 0; f < n; f += stride) {
        const k = Math.floor(f);
        const numeric = (valueWith(i, k, eps) - valueWith(i, k, -eps)) / (2 * eps);
        const err = Math.abs(numeric - analytic[i]![k]!);
        maxAbsError = Math.max(maxAbsError, err);
        checked++;
        if (err > atol + rtol * Math.abs(numeric)) {
          throw new Error(`gradcheck: input ${i} element ${k}: analytic ${analytic[i]![k]} vs numeric ${numeric}`);
        }
      }
    });
    return { maxAbsError, checked };
  } finally {
    for (const p of probes) p.dispose();
  }
}
