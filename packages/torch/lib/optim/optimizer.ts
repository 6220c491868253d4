// The optimizer base: parameter groups, per-parameter state kept out of tidy scopes,
// step() under noGrad + tidy, and a state dict that round-trips through safetensors.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { keep, tidy } from '../scope.js';
import { readSafetensorsFile, saveSafetensors } from '../io/safetensors.js';

/** A group as given to the constructor: its parameters and any options that override the defaults. */
export type ParamGroup<O> = { params: Tensor[] } & Partial<O>;
/** A group as the optimizer holds it: every option filled in. Options may be changed (e.g. `lr`). */
export type Group<O> = { params: Tensor[] } & O;

/** Per-parameter state: a step count and named state tensors (owned by the optimizer). */
export interface ParamState {
  step: number;
  tensors: Map<string, Tensor>;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface OptimizerStateDict {
  /** `state.<flat param index>.<name>` -> tensor (the live state tensors, not copies). */
  tensors: Map<string, Tensor>;
  meta: {
    optimizer: string;
    /** Each group's options, with its parameters as flat indices (in group order). */
    groups: { [k: string]: JsonValue }[];
    /** Per flat param index with state: its step count. */
    steps: Record<string, number>;
  };
}

const META_KEY = 'facet.optim';

export abstract class Optimizer<O extends object> {
  /** PyTorch's class name ('SGD', 'Adagrad', 'Adam', 'AdamW'); checked on load. */
  abstract readonly name: string;
  readonly defaults: Readonly<O>;
  readonly paramGroups: Group<O>[] = [];
  protected readonly state = new Map<Tensor, ParamState>();

  constructor(params: Tensor[] | ParamGroup<O>[], defaults: O) {
    this.defaults = Object.freeze({ ...defaults });
    if (!Array.isArray(params)) throw new TypeError('optimizer: params must be an array of Tensors or of parameter groups');
    if (params.length === 0) throw new Error('optimizer got an empty parameter list');
    const groups: ParamGroup<O>[] = params.every((p) => p instanceof Tensor) ? [{ params: params as Tensor[] } as ParamGroup<O>] : (params as ParamGroup<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Checks a group's options (throws a RangeError naming the bad one). */
  protected abstract validate(options: O): void;

  /** Updates one parameter from its gradient (called under noGrad, inside tidy). */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: Group<O>): void;

  addParamGroup(group: ParamGroup<O>): void {
    if (typeof group !== 'object' || group === null || !Array.isArray(group.params)) {
      throw new TypeError('optimizer: a parameter group needs a params array');
    }
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    for (const p of group.params) {
      if (!(p instanceof Tensor)) throw new TypeError('optimizer: params must be Tensors');
      if (!p.isLeaf) throw new Error("optimizer: can't optimize a non-leaf Tensor");
      if (seen.has(p)) throw new Error('optimizer: some parameters appear in more than one parameter group');
      seen.add(p);
    }
    const full = { ...this.defaults, ...group, params: [...group.params] } as Group<O>;
    for (const [k, v] of Object.entries(full)) if (v === undefined) (full as Record<string, unknown>)[k] = (this.defaults as Record<string, unknown>)[k];
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** The learning rate of a group (default the first). */
  getLr(group = 0): number {
    return (this.#group(group) as unknown as { lr: number }).lr;
  }

  /** Sets the learning rate of one group, or of every group when `group` is omitted. */
  setLr(lr: number, group?: number): void {
    if (!(lr >= 0)) throw new RangeError(`optimizer: invalid learning rate ${lr}`);
    const gs = group === undefined ? this.paramGroups : [this.#group(group)];
    for (const g of gs) (g as unknown as { lr: number }).lr = lr;
  }

  #group(i: number): Group<O> {
    const g = this.paramGroups[i];
    if (!g) throw new RangeError(`optimizer: no parameter group ${i} (there are ${this.paramGroups.length})`);
    return g;
  }

  /** One optimization step over every parameter that has a gradient. */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            const grad = p.grad;
            if (grad === null) continue;
            let st = this.state.get(p);
            if (!st) {
              st = { step: 0, tensors: new Map() };
              this.state.set(p, st);
            }
            this.update(p, grad, st, group);
          }
        }
      }),
    );
  }

  /** Drops every gradient (setToNone, the default), or zeroes them in place. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) {
          p.zeroGrad();
          continue;
        }
        const grad = p.grad;
        if (grad) {
          noGrad(() => grad.zero_());
          grad.dispose();
        }
      }
    }
  }

  /** Makes (or returns) a named state tensor, kept out of every scope. */
  protected stateTensor(state: ParamState, name: string, init: () => Tensor): Tensor {
    let t = state.tensors.get(name);
    if (!t) {
      t = keep(init());
      state.tensors.set(name, t);
    }
    return t;
  }

  #flatParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The state as tensors (live, owned by the optimizer) plus a JSON-able description. */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    const steps: Record<string, number> = {};
    this.#flatParams().forEach((p, i) => {
      const st = this.state.get(p);
      if (!st) return;
      steps[String(i)] = st.step;
      for (const [n, t] of st.tensors) tensors.set(`state.${i}.${n}`, t);
    });
    let index = 0;
    const groups = this.paramGroups.map((g) => {
      const out: { [k: string]: JsonValue } = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') out[k] = v as unknown as JsonValue;
      out['params'] = g.params.map(() => index++);
      return out;
    });
    return { tensors, meta: { optimizer: this.name, groups, steps } };
  }

  /**
   * Replaces the state and the group options with those of a state dict (tensors are
   * copied, onto each parameter's device; floating state takes the parameter's dtype).
   * The groups must hold the same number of parameters of the same shapes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const { meta } = sd;
    if (!meta || typeof meta !== 'object') throw new Error('loadStateDict: missing meta');
    if (meta.optimizer !== this.name) throw new Error(`loadStateDict: state of a ${meta.optimizer} optimizer given to ${this.name}`);
    if (!Array.isArray(meta.groups) || meta.groups.length !== this.paramGroups.length) {
      throw new Error(`loadStateDict: ${meta.groups?.length} parameter groups in the state, ${this.paramGroups.length} here`);
    }
    const flat = this.#flatParams();
    meta.groups.forEach((g, gi) => {
      const n = Array.isArray(g['params']) ? g['params'].length : -1;
      if (n !== this.paramGroups[gi]!.params.length) {
        throw new Error(`loadStateDict: group ${gi} has ${n} parameters in the state, ${this.paramGroups[gi]!.params.length} here`);
      }
    });
    // Check the options and build the new state fully before touching the current one.
    const options = meta.groups.map((g, gi) => {
      const merged = { ...this.paramGroups[gi]! } as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params') merged[k] = v;
      try {
        this.validate(merged as unknown as O);
      } catch (e) {
        throw new Error(`loadStateDict: group ${gi}: ${(e as Error).message}`);
      }
      return merged;
    });
    const fresh = new Map<Tensor, ParamState>();
    const used = new Set<string>();
    try {
      for (const [key, stepCount] of Object.entries(meta.steps ?? {})) {
        const i = Number(key);
        const p = flat[i];
        if (!Number.isInteger(i) || !p) throw new Error(`loadStateDict: state for parameter ${key}, which does not exist`);
        if (!Number.isInteger(stepCount) || stepCount < 0) throw new Error(`loadStateDict: bad step count for parameter ${key}`);
        const st: ParamState = { step: stepCount, tensors: new Map() };
        fresh.set(p, st);
        const prefix = `state.${i}.`;
        for (const [k, t] of sd.tensors) {
          if (!k.startsWith(prefix)) continue;
          used.add(k);
          const pshape = p.shape,
            tshape = t.shape;
          if (pshape.length !== tshape.length || pshape.some((d, j) => d !== tshape[j])) {
            throw new Error(`loadStateDict: '${k}' has shape [${tshape.join(', ')}], the parameter [${pshape.join(', ')}]`);
          }
          const copy = noGrad(() =>
            tidy(() => {
              let c = t.device === p.device ? t : t.to(p.device);
              const floating = (d: string) => d.startsWith('float') || d === 'bfloat16';
              if (floating(c.dtype) && floating(p.dtype) && c.dtype !== p.dtype) c = c.toDtype(p.dtype);
              return c === t ? t.clone() : c;
            }),
          );
          st.tensors.set(k.slice(prefix.length), keep(copy));
        }
      }
      const extra = [...sd.tensors.keys()].filter((k) => !used.has(k));
      if (extra.length) throw new Error(`loadStateDict: unexpected state tensors [${extra.join(', ')}]`);
    } catch (e) {
      for (const st of fresh.values()) for (const t of st.tensors.values()) t.dispose();
      throw e;
    }
    this.#disposeState();
    for (const [p, st] of fresh) this.state.set(p, st);
    options.forEach((merged, gi) => {
      const target = this.paramGroups[gi]! as Record<string, unknown>;
      for (const [k, v] of Object.entries(merged)) if (k !== 'params') target[k] = v;
    });
  }

  /** Writes the state (tensors + JSON meta in __metadata__) to a safetensors file, atomically. */
  save(path: string): void {
    const { tensors, meta } = this.stateDict();
    saveSafetensors(path, tensors, { [META_KEY]: JSON.stringify(meta) });
  }

  /** Loads a state written by save(). */
  load(path: string): void {
    const { metadata, tensors } = readSafetensorsFile(path);
    try {
      const text = metadata[META_KEY];
      if (text === undefined) throw new Error(`optimizer load: ${path} has no '${META_KEY}' metadata`);
      let meta: OptimizerStateDict['meta'];
      try {
        meta = JSON.parse(text) as OptimizerStateDict['meta'];
      } catch (e) {
        throw new Error(`optimizer load: ${path}: '${META_KEY}' metadata is not JSON (${(e as Error).message})`);
      }
      this.loadStateDict({ tensors, meta });
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  }

  #disposeState(): void {
    for (const st of this.state.values()) for (const t of st.tensors.values()) t.dispose();
    this.state.clear();
  }

  /** Frees the state tensors (the parameters are not the optimizer's). */
  dispose(): void {
    this.#disposeState();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export function checkNonNegative(what: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`invalid ${what}: ${String(v)}`);
}

export function checkBetas(betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) throw new RangeError(`invalid betas: ${JSON.stringify(betas)}`);
  betas.forEach((b, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new RangeError(`invalid beta parameter at index ${i}: ${String(b)}`);
  });
}
