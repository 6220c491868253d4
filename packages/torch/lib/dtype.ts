export type DType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';
export type MemoryFormat = 'contiguous' | 'channels_last' | 'preserve';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'bfloat16', 'float16', 'int64', 'int32', 'uint8', 'bool'];

/** Bytes per element. */
export const ELEMENT_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  bfloat16: 2,
  float16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'uint8' | 'bool'
          ? Uint8Array
          : Uint16Array; // bfloat16 / float16 as raw bits

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** The dtype a typed array holds when nothing else is said. */
export function dtypeOfArray(a: AnyTypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'bfloat16';
  throw new TypeError('unsupported typed array');
}

/** Views raw bytes as the typed array of a dtype (bfloat16/float16 as Uint16Array bits). */
export function viewAs(dtype: DType, buffer: ArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'bfloat16':
    case 'float16':
      return new Uint16Array(buffer);
  }
}
