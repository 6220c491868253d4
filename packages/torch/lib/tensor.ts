import { native, type NativeHandle } from './native.js';
import { TensorOps } from './ops.generated.js';
import * as ops from './ops.generated.js';
import { registerTensorFactory } from './registry.js';
import { trackTensor, keep } from './scope.js';
import { type AnyTypedArray, type DType, type MemoryFormat, isDType, viewAs } from './dtype.js';

/**
 * A handle to one libtorch tensor. Each Tensor owns its handle: dispose() frees it at
 * once (idempotent), `using t = ...` frees it at the end of a block, and tidy() frees
 * what a scope made. Ops return new Tensors and never dispose their inputs.
 */
export class Tensor extends TensorOps {
  readonly __isTensor = true;
  #handle: NativeHandle | null;

  constructor(handle: NativeHandle) {
    super();
    this.#handle = handle;
    trackTensor(this);
  }

  get handle(): NativeHandle {
    if (this.#handle === null) throw new Error('Tensor: used after dispose()');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  dispose(): void {
    if (this.#handle !== null) {
      native.dispose(this.#handle);
      this.#handle = null;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Takes this tensor out of the open scopes (see tidy). */
  keep(): this {
    return keep(this);
  }

  get shape(): number[] {
    return native.shape(this.handle);
  }
  get dtype(): DType {
    return native.dtype(this.handle) as DType;
  }
  get device(): string {
    return native.device(this.handle);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  size(dim: number): number {
    const s = this.shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size: dim ${dim} out of range for a ${s.length}-d tensor`);
    return s[d]!;
  }

  isContiguous(memoryFormat: MemoryFormat = 'contiguous'): boolean {
    return native.isContiguous(this.handle, memoryFormat);
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  set requiresGrad(flag: boolean) {
    native.setRequiresGrad(this.handle, flag);
  }
  requiresGrad_(flag = true): this {
    native.setRequiresGrad(this.handle, flag);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The accumulated gradient, as a new handle on the same storage (or null). */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g === null ? null : g.handle);
  }
  backward(gradient: Tensor | null = null, options: { retainGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient === null ? null : gradient.handle, options.retainGraph ?? false);
  }
  /** Swaps in src's data (dtype and device too), keeping this handle: PyTorch's `t.data = src`. */
  setData(src: Tensor): void {
    native.setData(this.handle, src.handle);
  }
  /**
   * Exchanges the libtorch tensors behind two handles (each Tensor object stays where it
   * is held). For moves setData cannot make: libtorch's set_data refuses a meta tensor.
   */
  swapHandles(other: Tensor): void {
    const mine = this.handle;
    this.#handle = other.handle;
    other.#handle = mine;
  }
  /** Drops the gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    native.setGrad(this.handle, null);
  }

  // ---- data out ----
  /** The elements, row-major, as a typed array (bfloat16/float16 widened to Float32Array). */
  data(): AnyTypedArray {
    const d = this.dtype;
    if (d === 'bfloat16' || d === 'float16') {
      using wide = this.toDtype('float32');
      return wide.data();
    }
    return viewAs(d, native.toBuffer(this.handle));
  }
  /** The elements as plain numbers, row-major. */
  toList(): number[] {
    const a = this.data();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>);
  }
  /** The raw bytes, row-major (bfloat16 stays 2 bytes per element). */
  bytes(): Uint8Array {
    return new Uint8Array(native.toBuffer(this.handle));
  }
  item(): number {
    const v = native.item(this.handle);
    return typeof v === 'boolean' ? Number(v) : v;
  }

  // ---- conversions ----
  /** to('cuda'), to('cpu'), or to a dtype. */
  to(target: DType | string): Tensor {
    if (isDType(target)) return this.toDtype(target);
    return new Tensor(native.to(this.handle, target));
  }
  float(): Tensor {
    return this.toDtype('float32');
  }
  long(): Tensor {
    return this.toDtype('int64');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }

  // ---- PyTorch-style names that the op table spells otherwise ----
  max(): Tensor {
    return ops.amax(this);
  }
  min(): Tensor {
    return ops.amin(this);
  }
  T(): Tensor {
    return ops.transpose(this, 0, 1);
  }

  override toString(): string {
    if (this.isDisposed) return 'Tensor(<disposed>)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}

registerTensorFactory((h) => new Tensor(h));
