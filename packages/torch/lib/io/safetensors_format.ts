// safetensors reader and writer (https://github.com/huggingface/safetensors).
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON header
//   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
//     "__metadata__": { "<key>": "<string value>" } }
// then the data buffer; offsets are relative to the start of the data buffer, and the
// tensors must cover it exactly (sorted by offset: contiguous, no overlap, no gap).
//
// Everything read from a file is validated before it is used: no size read from the file
// is used to allocate or index before it has been checked against the real byte count.
//
// This module needs no native code: torch-free consumers (ONNX inference) import it
// as '@facet/torch/safetensors-format'.
import { type DType, ELEMENT_SIZE } from '../dtype.js';

/** One tensor as stored: its dtype, shape and row-major little-endian bytes. */
export interface SafetensorsEntry {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

export interface ParsedSafetensors {
  metadata: Record<string, string>;
  /** In data-buffer order; each `data` is a view into the parsed bytes (not a copy). */
  entries: Map<string, SafetensorsEntry>;
}

const CODE_TO_DTYPE: Record<string, DType> = {
  F32: 'float32',
  F64: 'float64',
  BF16: 'bfloat16',
  F16: 'float16',
  I64: 'int64',
  I32: 'int32',
  U8: 'uint8',
  BOOL: 'bool',
};
const DTYPE_TO_CODE: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  bfloat16: 'BF16',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};

/** Headers larger than this are refused (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;
const MAX_RANK = 64;
const METADATA_KEY = '__metadata__';

function fail(source: string, what: string): never {
  throw new Error(`safetensors: ${source}: ${what}`);
}

/** Sets an own property even for names like "__proto__" (plain assignment would not). */
function defineKey(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSafeNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * The number of elements of a shape (already checked: non-negative safe integers), or
 * null when it does not fit a safe integer.
 */
function numelOf(shape: number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

/**
 * Finds a key that occurs twice in one JSON object (JSON.parse keeps the last silently).
 * `text` must already be valid JSON; returns the first duplicated key, or null.
 */
function findDuplicateKey(text: string): string | null {
  // Per open container: a Set of keys for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) expectKey = stack[stack.length - 1] instanceof Set;
    i++;
  }
  return null;
}

/**
 * Parses a safetensors image without making tensors. Throws an Error naming `source` and
 * the fault on anything malformed.
 */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): ParsedSafetensors {
  if (!(bytes instanceof Uint8Array)) fail(source, 'expected a Uint8Array');
  if (bytes.byteLength < 8) fail(source, `too short for the 8-byte header length (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(source, `header length ${n64} is absurd (limit ${MAX_HEADER_BYTES} bytes)`);
  const headerLen = Number(n64);
  if (8 + headerLen > bytes.byteLength) {
    fail(source, `header length ${headerLen} runs beyond the end of the file (${bytes.byteLength - 8} bytes after the length)`);
  }
  if (headerLen < 2) fail(source, `header length ${headerLen} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    fail(source, 'header is not valid UTF-8');
  }
  if (text.charCodeAt(0) !== 0x7b) fail(source, 'header is not a JSON object (does not start with "{")');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) fail(source, 'header is not a JSON object');
  const dup = findDuplicateKey(text);
  if (dup !== null) fail(source, `header has duplicate key ${JSON.stringify(dup)}`);

  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;

  const metadata: Record<string, string> = {};
  const raw: { name: string; dtype: DType; shape: number[]; begin: number; end: number; order: number }[] = [];
  let order = 0;
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(value)) fail(source, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') fail(source, `__metadata__ value for ${JSON.stringify(k)} is not a string`);
        defineKey(metadata, k, v);
      }
      continue;
    }
    const what = `tensor ${JSON.stringify(name)}`;
    if (!isPlainObject(value)) fail(source, `${what}: entry is not an object`);
    const code = value['dtype'];
    if (typeof code !== 'string') fail(source, `${what}: dtype missing or not a string`);
    if (!Object.prototype.hasOwnProperty.call(CODE_TO_DTYPE, code)) fail(source, `${what}: unknown or unsupported dtype ${JSON.stringify(code)}`);
    const dtype = CODE_TO_DTYPE[code]!;
    const shape = value['shape'];
    if (!Array.isArray(shape)) fail(source, `${what}: shape missing or not an array`);
    if (shape.length > MAX_RANK) fail(source, `${what}: shape has ${shape.length} dimensions (limit ${MAX_RANK})`);
    for (const d of shape) {
      if (!isSafeNonNegInt(d)) fail(source, `${what}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    const offsets = value['data_offsets'];
    if (!Array.isArray(offsets) || offsets.length !== 2) fail(source, `${what}: data_offsets missing or not a pair`);
    const [begin, end] = offsets as unknown[];
    if (!isSafeNonNegInt(begin) || !isSafeNonNegInt(end)) {
      fail(source, `${what}: data_offsets ${JSON.stringify(offsets)} are not non-negative integers`);
    }
    if (end < begin) fail(source, `${what}: data_offsets end ${end} < begin ${begin}`);
    if (end > dataLen) fail(source, `${what}: data_offsets [${begin}, ${end}] run beyond the data buffer (${dataLen} bytes)`);
    const numel = numelOf(shape as number[]);
    const size = ELEMENT_SIZE[dtype];
    if (numel === null || numel * size !== end - begin) {
      fail(
        source,
        `${what}: byte length ${end - begin} does not match shape ${JSON.stringify(shape)} of ${code} ` +
          `(${numel === null ? 'too many' : numel * size} bytes)`,
      );
    }
    raw.push({ name, dtype, shape: (shape as number[]).slice(), begin, end, order: order++ });
  }

  raw.sort((a, b) => a.begin - b.begin || a.end - b.end || a.order - b.order);
  let pos = 0;
  for (const r of raw) {
    if (r.begin < pos) fail(source, `tensor ${JSON.stringify(r.name)}: data_offsets [${r.begin}, ${r.end}] overlap another tensor`);
    if (r.begin > pos) fail(source, `tensor ${JSON.stringify(r.name)}: gap in the data buffer before offset ${r.begin} (previous tensor ends at ${pos})`);
    pos = r.end;
  }
  if (pos !== dataLen) fail(source, `data buffer has ${dataLen - pos} bytes after the last tensor (tensors cover ${pos} of ${dataLen})`);

  const entries = new Map<string, SafetensorsEntry>();
  for (const r of raw) {
    const data = bytes.subarray(dataStart + r.begin, dataStart + r.end);
    if (r.dtype === 'bool') {
      for (let k = 0; k < data.length; k++) {
        if (data[k]! > 1) fail(source, `tensor ${JSON.stringify(r.name)}: BOOL byte ${data[k]} at element ${k} is neither 0 nor 1`);
      }
    }
    entries.set(r.name, { dtype: r.dtype, shape: r.shape, data });
  }
  return { metadata, entries };
}

/** Serializes entries (in the Map's order) into one safetensors image. */
export function serializeSafetensors(entries: Map<string, SafetensorsEntry>, metadata?: Record<string, string>): Uint8Array {
  const source = '<serialize>';
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) fail(source, 'metadata is not an object');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(source, `metadata value for ${JSON.stringify(k)} is not a string`);
    }
    if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const [name, e] of entries) {
    const what = `tensor ${JSON.stringify(name)}`;
    if (name === METADATA_KEY) fail(source, `${what}: the name is reserved`);
    if (!Object.prototype.hasOwnProperty.call(DTYPE_TO_CODE, e.dtype)) fail(source, `${what}: unsupported dtype ${String(e.dtype)}`);
    if (!Array.isArray(e.shape) || e.shape.length > MAX_RANK || !e.shape.every(isSafeNonNegInt)) {
      fail(source, `${what}: shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    }
    if (!(e.data instanceof Uint8Array)) fail(source, `${what}: data is not a Uint8Array`);
    const numel = numelOf(e.shape);
    if (numel === null || numel * ELEMENT_SIZE[e.dtype] !== e.data.byteLength) {
      fail(source, `${what}: ${e.data.byteLength} bytes do not match shape ${JSON.stringify(e.shape)} of ${e.dtype}`);
    }
    defineKey(header, name, { dtype: DTYPE_TO_CODE[e.dtype], shape: e.shape.slice(), data_offsets: [offset, offset + e.data.byteLength] });
    offset += e.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded > MAX_HEADER_BYTES) fail(source, `header would be ${padded} bytes (limit ${MAX_HEADER_BYTES})`);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded);
  let pos = 8 + padded;
  for (const e of entries.values()) {
    out.set(e.data, pos);
    pos += e.data.byteLength;
  }
  return out;
}
