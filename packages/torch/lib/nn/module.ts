import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { keep } from '../scope.js';
import { isDType } from '../dtype.js';

// Identifiers, or the indices Sequential uses ('0', '1', …); never empty or dotted.
const NAME = /^[A-Za-z0-9_]+$/;

// libtorch's set_data swaps storage only between dense backends (cpu, cuda, …); a move
// to or from another device ('lazy', 'meta': device-placement tests) swaps the handle.
const DENSE = /^(cpu|cuda|hip|mps|xpu)(:\d+)?$/;
function canSetData(from: string, to: string): boolean {
  return DENSE.test(from) && DENSE.test(to);
}

export type StateDict = Map<string, Tensor>;

export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

/**
 * Base of every layer and network. Children, parameters and buffers are registered
 * by explicit name (never taken from field names), so checkpoint keys are dotted
 * paths like PyTorch's: `encoder.conv11.conv.weight`. Parameters and buffers belong
 * to the module, outside any tidy scope; dispose() frees them.
 */
export abstract class Module {
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  #checkName(name: string): void {
    if (!NAME.test(name)) throw new TypeError(`Module: invalid name '${name}' (empty, dotted or not an identifier)`);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new TypeError(`Module: name '${name}' registered twice`);
    }
  }

  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    keep(t);
    if (!t.requiresGrad) t.requiresGrad = true;
    this.#parameters.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    this.#buffers.set(name, keep(t));
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName(name);
    this.#children.set(name, m);
    return m;
  }

  *namedChildren(): IterableIterator<[string, Module]> {
    yield* this.#children.entries();
  }

  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    yield [prefix, this];
    for (const [n, c] of this.#children) yield* c.namedModules(prefix ? `${prefix}.${n}` : n);
  }

  *namedParameters(prefix = ''): IterableIterator<[string, Tensor]> {
    for (const [n, p] of this.#parameters) yield [prefix ? `${prefix}.${n}` : n, p];
    for (const [n, c] of this.#children) yield* c.namedParameters(prefix ? `${prefix}.${n}` : n);
  }

  *namedBuffers(prefix = ''): IterableIterator<[string, Tensor]> {
    for (const [n, b] of this.#buffers) yield [prefix ? `${prefix}.${n}` : n, b];
    for (const [n, c] of this.#children) yield* c.namedBuffers(prefix ? `${prefix}.${n}` : n);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  /** Parameters and buffers under their dotted names (the live tensors, not copies). */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    // PyTorch's order: each module's parameters, then its buffers, then its children.
    const visit = (m: Module, prefix: string): void => {
      for (const [n, p] of m.#parameters) out.set(prefix + n, p);
      for (const [n, b] of m.#buffers) out.set(prefix + n, b);
      for (const [n, c] of m.#children) visit(c, `${prefix}${n}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values in by name, cast to the model's dtype as PyTorch does; a shape
   * mismatch names the key and both shapes.
   * strict (default): a missing or unexpected key is an error; keys in `optionalKeys`
   * (BatchNorm's num_batches_tracked, which PyTorch exports may drop) may be missing.
   */
  loadStateDict(source: Map<string, Tensor> | Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const src = source instanceof Map ? source : new Map(Object.entries(source));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !src.has(k) && !k.endsWith('num_batches_tracked'));
    const unexpected = [...src.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(`loadStateDict: missing keys [${missing.join(', ')}]; unexpected keys [${unexpected.join(', ')}]`);
    }
    for (const [k, target] of own) {
      const value = src.get(k);
      if (!value) continue;
      const a = target.shape,
        b = value.shape;
      if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
        throw new Error(`loadStateDict: '${k}' has shape [${b.join(', ')}] in the source but [${a.join(', ')}] in the model`);
      }
      noGrad(() => target.copy_(value));
    }
    return { missing, unexpected };
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Moves parameters and buffers to a device, or casts the floating ones to a dtype.
   * The Tensor objects stay the same (their data is swapped), so fields that hold
   * them, and optimizers built on them, remain valid.
   */
  to(target: string): this {
    const isDtype = isDType(target);
    for (const t of [...this.parameters(), ...[...this.namedBuffers()].map(([, b]) => b)]) {
      if (isDtype && !(t.dtype.startsWith('float') || t.dtype === 'bfloat16')) continue;
      if (t.dtype === target) continue;
      noGrad(() => {
        const moved = t.to(target);
        if (isDtype || canSetData(t.device, moved.device)) {
          t.setData(moved);
        } else {
          const requiresGrad = t.requiresGrad;
          t.swapHandles(moved);
          t.requiresGrad = requiresGrad;
        }
        moved.dispose();
      });
    }
    return this;
  }

  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const p of m.#parameters.values()) p.dispose();
      for (const b of m.#buffers.values()) b.dispose();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
