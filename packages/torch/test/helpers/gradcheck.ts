// Numerical gradient checks: central differences against autograd, in float64.
//
// gradcheck(fn, inputs) treats every tensor in `inputs` as a leaf of fn. It reduces
// fn's output(s) to a scalar L = Σ out ⊙ W with a fixed pseudo-random W (so every
// output element matters with a distinct weight), runs backward once for the analytic
// gradients, then perturbs each input element by ±eps *in place under noGrad* (the
// perturbed value arrives through a data round trip: a new tensor copied in with
// copy_) and compares (L(x+eps) - L(x-eps)) / 2eps with the autograd gradient.
// Because inputs are perturbed in place, fn may close over them (e.g. a Module's own
// parameters) instead of taking them as arguments.
import assert from 'node:assert/strict';
import { Tensor, tensor, tidy, noGrad, copy_, mul, sum } from '../../lib/index.js';

/** A small, seeded PRNG (mulberry32): test data that does not depend on libtorch. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi) as a float64 tensor of the given shape. */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1, requiresGrad = false): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return tensor(a, shape, { requiresGrad });
}

/**
 * Distinct values (a shuffled ramp with gaps of `gap`, centred on 0): for max-like ops,
 * so that no two candidates are within eps of each other and the argmax is stable.
 */
export function distinct(shape: number[], seed: number, gap = 0.05): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float64Array(n);
  // Offset by 0.37 gap: never 0 (relu's kink) nor a multiple of gap (clamp bounds).
  for (let i = 0; i < n; i++) a[i] = (i - Math.floor(n / 2) + 0.37) * gap;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return tensor(a, shape);
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the output weighting W. */
  seed?: number;
  /** Which inputs to check (default: all). The others still take part as constants. */
  wrt?: number[];
  /** Text for failure messages. */
  name?: string;
}

type Out = Tensor | Tensor[];

function outputs(o: Out): Tensor[] {
  return Array.isArray(o) ? o : [o];
}

/**
 * Checks autograd's gradient of fn against central differences. Returns the number of
 * elements compared (so a caller can assert that the check did something).
 */
export function gradcheck(fn: (...xs: Tensor[]) => Out, inputs: Tensor[], options: GradcheckOptions = {}): number {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-5;
  const name = options.name ?? 'gradcheck';
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  for (const i of wrt) {
    const x = inputs[i]!;
    assert.equal(x.dtype, 'float64', `${name}: input ${i} must be float64 (is ${x.dtype})`);
    assert.ok(x.isLeaf, `${name}: input ${i} must be a leaf`);
    x.requiresGrad = true;
    x.zeroGrad();
  }

  // The output weighting W: fixed, pseudo-random, one tensor per output.
  const weights = tidy(() => {
    const outs = outputs(noGrad(() => fn(...inputs)));
    assert.ok(outs.length > 0, `${name}: fn returned no tensor`);
    return outs.map((o, k) => {
      const w = uniform(o.shape, (options.seed ?? 7) + 1000 * k, 0.5, 1.5);
      return o.dtype === 'float64' ? w : w.toDtype(o.dtype);
    });
  });

  const loss = (): Tensor => {
    const outs = outputs(fn(...inputs));
    assert.equal(outs.length, weights.length, `${name}: fn returned a different number of outputs`);
    let total: Tensor | null = null;
    for (let k = 0; k < outs.length; k++) {
      const s = sum(mul(outs[k]!, weights[k]!)).toDtype('float64');
      total = total === null ? s : total.add(s);
    }
    return total!;
  };

  let compared = 0;
  try {
    // Analytic gradients.
    const analytic: Float64Array[] = tidy(() => {
      loss().backward();
      return wrt.map((i) => {
        const g = inputs[i]!.grad;
        assert.ok(g !== null, `${name}: input ${i} got no gradient`);
        assert.deepEqual(g.shape, inputs[i]!.shape, `${name}: gradient ${i} has the wrong shape`);
        return Float64Array.from(g.data() as Float64Array);
      });
    });

    // Numerical gradients, one element at a time.
    wrt.forEach((i, slot) => {
      const x = inputs[i]!;
      const shape = x.shape;
      const base = Float64Array.from(x.data() as Float64Array);
      const put = (values: Float64Array): void =>
        tidy(() => {
          noGrad(() => copy_(x, tensor(values, shape)));
        });
      const f = (): number => tidy(() => noGrad(() => loss().item()));
      const work = Float64Array.from(base);
      try {
        for (let j = 0; j < base.length; j++) {
          work[j] = base[j]! + eps;
          put(work);
          const fp = f();
          work[j] = base[j]! - eps;
          put(work);
          const fm = f();
          work[j] = base[j]!;
          const numeric = (fp - fm) / (2 * eps);
          const a = analytic[slot]![j]!;
          const err = Math.abs(a - numeric);
          if (!(err <= atol + rtol * Math.abs(numeric))) {
            assert.fail(`${name}: d/d input${i}[${j}] (shape [${shape.join(', ')}]): autograd ${a}, numerical ${numeric}, |diff| ${err}`);
          }
          compared++;
        }
      } finally {
        put(base);
      }
    });
  } finally {
    for (const w of weights) w.dispose();
    for (const i of wrt) inputs[i]!.zeroGrad();
  }
  return compared;
}

/** Max |a - b| and an elementwise tolerance check: |a - b| <= atol + rtol |b|. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  let worst = -1,
    worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    const err = Math.abs(a - e);
    const ok = err <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok && (worst < 0 || err > worstErr)) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (|diff| ${worstErr}, atol ${atol}, rtol ${rtol})`);
  }
}
