// safetensors files as Tensors; the format itself is in safetensors_format.ts.
import { readFileSync } from 'node:fs';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { type ParsedSafetensors, type SafetensorsEntry, parseSafetensors, serializeSafetensors } from './safetensors_format.js';
import { writeFileAtomic } from './write_file_atomic.js';

export * from './safetensors_format.js';

function tensorsFromParsed(parsed: ParsedSafetensors, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  try {
    for (const [name, e] of parsed.entries) {
      // fromBuffer memcpy's the bytes, so an unaligned view is fine.
      out.set(name, new Tensor(native.fromBuffer(e.data, e.shape, e.dtype)));
    }
  } catch (err) {
    for (const t of out.values()) t.dispose();
    throw new Error(`safetensors: ${source}: ${(err as Error).message}`);
  }
  return out;
}

/** Reads a safetensors file into new CPU tensors, with its metadata. */
export function readSafetensorsFile(path: string): { metadata: Record<string, string>; tensors: Map<string, Tensor> } {
  const bytes = readFileSync(path);
  const parsed = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  return { metadata: parsed.metadata, tensors: tensorsFromParsed(parsed, path) };
}

/** Reads a safetensors file into new CPU tensors (the caller owns them). */
export function loadSafetensors(path: string): Map<string, Tensor> {
  return readSafetensorsFile(path).tensors;
}

/** The entries for a set of tensors (copied to the CPU, row-major). */
export function tensorsToEntries(tensors: Map<string, Tensor> | Record<string, Tensor>): Map<string, SafetensorsEntry> {
  const it = tensors instanceof Map ? tensors.entries() : Object.entries(tensors);
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, t] of it) entries.set(name, { dtype: t.dtype, shape: t.shape, data: t.bytes() });
  return entries;
}

/** Writes tensors (and string metadata) to a safetensors file, atomically. */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensorsToEntries(tensors), metadata));
}
