import { native } from './native.js';
import { Tensor } from './tensor.js';
import { type AnyTypedArray, type DType, dtypeOfArray } from './dtype.js';

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function flatten(data: Nested, shape: number[], out: number[], depth = 0): void {
  if (Array.isArray(data)) {
    if (shape.length === depth) shape.push(data.length);
    else if (shape[depth] !== data.length) throw new TypeError('tensor: ragged nested array');
    for (const d of data) flatten(d, shape, out, depth + 1);
  } else {
    if (depth !== shape.length) throw new TypeError('tensor: ragged nested array');
    out.push(typeof data === 'boolean' ? Number(data) : data);
  }
}

function typedFrom(values: ArrayLike<number>, dtype: DType): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    case 'int32':
      return Int32Array.from(values);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    default:
      throw new TypeError(`tensor: build ${dtype} from float32 with .toDtype()`);
  }
}

/**
 * A tensor from a typed array (with its shape) or nested JS arrays. The data is copied.
 * A typed array's own dtype is used unless options.dtype says otherwise; Uint16Array
 * holds bfloat16 bits.
 */
export function tensor(data: AnyTypedArray | Nested, shapeOrOptions?: number[] | TensorOptions, options: TensorOptions = {}): Tensor {
  let shape: number[] | undefined;
  if (Array.isArray(shapeOrOptions)) shape = shapeOrOptions;
  else if (shapeOrOptions) options = shapeOrOptions;
  let typed: AnyTypedArray;
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    typed = data;
    dtype = dtypeOfArray(data);
    shape ??= [data.length];
  } else {
    const flat: number[] = [];
    const inferred: number[] = [];
    flatten(data, inferred, flat);
    shape ??= inferred;
    dtype = options.dtype === 'bfloat16' || options.dtype === 'float16' ? 'float32' : (options.dtype ?? 'float32');
    typed = typedFrom(flat, dtype);
  }
  let t = new Tensor(native.fromBuffer(typed, shape, dtype));
  if (options.dtype && options.dtype !== dtype) {
    const converted = t.toDtype(options.dtype);
    t.dispose();
    t = converted;
  }
  if (options.device && options.device !== 'cpu') {
    const moved = t.to(options.device);
    t.dispose();
    t = moved;
  }
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A scalar (0-d) tensor. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  return tensor(new Float64Array([value]), [], { dtype: 'float32', ...options });
}

/** A tensor from raw little-endian row-major bytes of a dtype (e.g. a safetensors entry). Copies. */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType): Tensor {
  return new Tensor(native.fromBuffer(bytes, shape, dtype));
}
