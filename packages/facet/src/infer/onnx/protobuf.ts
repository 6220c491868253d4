// A minimal protocol-buffers wire-format writer and reader (no protobuf library):
// varints, 32/64-bit fixed values and length-delimited fields, enough for ONNX's
// ModelProto. Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const encoder = new TextEncoder();

/** Appends fields to a growable buffer; `finish()` returns the bytes written. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** An unsigned varint; negative numbers are written as 64-bit two's complement (10 bytes), as protobuf does for int64/int32. */
  rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`protobuf: varint ${value} is not a safe integer`);
    let v = typeof value === 'bigint' ? value : BigInt(value);
    if (v < 0n) v = BigInt.asUintN(64, v);
    this.reserve(10);
    if (v < 0x80n) {
      this.buf[this.len++] = Number(v);
      return;
    }
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.rawVarint((field << 3) | wire);
  }

  rawBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** int32 / int64 / enum / bool field. */
  varint(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_BYTES);
    this.rawVarint(value.length);
    this.rawBytes(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, encoder.encode(value));
  }

  /** An embedded message written by `write` into a fresh writer. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  /** repeated int64, packed. */
  packedVarints(field: number, values: ReadonlyArray<number | bigint>): void {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    this.bytes(field, inner.finish());
  }

  /** repeated float, packed. */
  packedFloats(field: number, values: ArrayLike<number>): void {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.bytes(field, data);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One decoded field: varints as bigint, fixed32/64 as their raw bytes, length-delimited as a view. */
export interface ProtoField {
  field: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

/** Splits one message's bytes into its fields (does not descend into embedded messages). */
export function decodeFields(bytes: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n,
      shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error('protobuf: truncated varint');
      const b = bytes[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: varint too long');
    }
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || pos + n > bytes.length) throw new Error('protobuf: truncated field');
    const v = bytes.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  while (pos < bytes.length) {
    const key = Number(readVarint());
    const field = key >>> 3,
      wire = key & 7;
    if (field === 0) throw new Error('protobuf: field number 0');
    if (wire === WIRE_VARINT) out.push({ field, wire, varint: readVarint() });
    else if (wire === WIRE_FIXED64) out.push({ field, wire, bytes: take(8) });
    else if (wire === WIRE_FIXED32) out.push({ field, wire, bytes: take(4) });
    else if (wire === WIRE_BYTES) out.push({ field, wire, bytes: take(Number(readVarint())) });
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

/** Signed value of a decoded int64 varint. */
export function asInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

export function asString(b: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(b);
}

/** Values of a packed repeated varint field. */
export function decodePackedVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let result = 0n,
      shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error('protobuf: truncated packed varint');
      const b = bytes[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(asInt64(result));
  }
  return out;
}
