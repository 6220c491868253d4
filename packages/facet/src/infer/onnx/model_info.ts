// Reads what facet needs from ONNX ModelProto bytes with the tiny protobuf decoder:
// metadata_props, the graph's inputs/outputs (names and dims), opset, and node op types.
import { type ProtoField, asInt64, asString, decodeFields } from './protobuf.js';
import type { Dim } from './graph.js';

export interface ValueInfoSummary {
  name: string;
  elemType: number;
  dims: Dim[];
}

export interface ModelInfo {
  irVersion: number;
  producerName: string;
  opsets: Array<{ domain: string; version: number }>;
  metadata: Record<string, string>;
  graphName: string;
  inputs: ValueInfoSummary[];
  outputs: ValueInfoSummary[];
  /** op_type of each node, in order */
  ops: string[];
  initializerNames: string[];
}

const first = (fields: ProtoField[], n: number): ProtoField | undefined => fields.find((f) => f.field === n);
const all = (fields: ProtoField[], n: number): ProtoField[] => fields.filter((f) => f.field === n);
const str = (f: ProtoField | undefined): string => (f?.bytes ? asString(f.bytes) : '');

function valueInfo(bytes: Uint8Array): ValueInfoSummary {
  const v = decodeFields(bytes);
  const tensor = decodeFields(first(decodeFields(first(v, 2)?.bytes ?? new Uint8Array()), 1)?.bytes ?? new Uint8Array());
  const shape = decodeFields(first(tensor, 2)?.bytes ?? new Uint8Array());
  const dims = all(shape, 1).map((d): Dim => {
    const df = decodeFields(d.bytes!);
    const value = first(df, 1),
      param = first(df, 2);
    return value?.varint !== undefined ? asInt64(value.varint) : str(param);
  });
  const elem = first(tensor, 1)?.varint;
  return { name: str(first(v, 1)), elemType: elem === undefined ? 0 : Number(elem), dims };
}

export function readModelInfo(bytes: Uint8Array): ModelInfo {
  const m = decodeFields(bytes);
  const metadata: Record<string, string> = {};
  for (const f of all(m, 14)) {
    const kv = decodeFields(f.bytes!);
    Object.defineProperty(metadata, str(first(kv, 1)), { value: str(first(kv, 2)), enumerable: true, writable: true, configurable: true });
  }
  const graphBytes = first(m, 7)?.bytes;
  if (!graphBytes) throw new Error('onnx: the model has no graph');
  const g = decodeFields(graphBytes);
  return {
    irVersion: asInt64(first(m, 1)?.varint ?? 0n),
    producerName: str(first(m, 2)),
    opsets: all(m, 8).map((f) => {
      const o = decodeFields(f.bytes!);
      return { domain: str(first(o, 1)), version: asInt64(first(o, 2)?.varint ?? 0n) };
    }),
    metadata,
    graphName: str(first(g, 2)),
    inputs: all(g, 11).map((f) => valueInfo(f.bytes!)),
    outputs: all(g, 12).map((f) => valueInfo(f.bytes!)),
    ops: all(g, 1).map((f) => str(first(decodeFields(f.bytes!), 4))),
    initializerNames: all(g, 5).map((f) => str(first(decodeFields(f.bytes!), 8))),
  };
}
