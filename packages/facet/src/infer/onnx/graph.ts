// ONNX messages (onnx/onnx.proto field numbers) written with our own protobuf writer,
// and a small graph builder: g.node('Conv', [x, w, b], { pads: [1, 1, 1, 1] }) → output
// name; g.initializer(name, dims, data) → name.
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType */
export const FLOAT = 1;
export const UINT8 = 2;
export const INT8 = 3;
export const INT32 = 6;
export const INT64 = 7;

/** The typed arrays an initializer may hold, and their TensorProto.DataType. */
export type TensorData = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

function dataTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return FLOAT;
  if (data instanceof BigInt64Array) return INT64;
  if (data instanceof Int32Array) return INT32;
  if (data instanceof Int8Array) return INT8;
  return UINT8;
}

/** AttributeProto.AttributeType */
const ATTR_FLOAT = 1,
  ATTR_INT = 2,
  ATTR_STRING = 3,
  ATTR_TENSOR = 4,
  ATTR_FLOATS = 6,
  ATTR_INTS = 7;

export const IR_VERSION = 8;
export const OPSET_VERSION = 17;

export interface TensorValue {
  name?: string;
  dims: readonly number[];
  data: TensorData;
}

/**
 * An attribute value: an integer number → INT, number[] → INTS, string → STRING,
 * { f } → FLOAT, { floats } → FLOATS, { t } → TENSOR.
 */
export type AttrValue = number | readonly number[] | string | { f: number } | { floats: readonly number[] } | { t: TensorValue };

/** A dimension: a fixed size, or a symbolic one (dim_param) such as 'N'. */
export type Dim = number | string;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (raw_data). */
function rawBytes(data: TensorData): Uint8Array {
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else (data as BigInt64Array).forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

export function writeTensor(w: ProtoWriter, t: TensorValue): void {
  const numel = t.dims.reduce((a, b) => a * b, 1);
  if (numel !== t.data.length) throw new Error(`onnx: tensor ${t.name ?? ''} has ${t.data.length} values for dims [${t.dims.join(', ')}]`);
  for (const d of t.dims) w.varint(1, d); // dims
  w.varint(2, dataTypeOf(t.data)); // data_type
  if (t.name !== undefined) w.string(8, t.name); // name
  w.bytes(9, rawBytes(t.data)); // raw_data
}

const isIntList = (v: AttrValue): v is readonly number[] => Array.isArray(v);

function writeAttribute(w: ProtoWriter, name: string, v: AttrValue): void {
  w.string(1, name); // name
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx: attribute ${name}: ${v} is not an integer (use { f: ${v} } for a float)`);
    w.varint(3, v); // i
    w.varint(20, ATTR_INT);
  } else if (typeof v === 'string') {
    w.string(4, v); // s
    w.varint(20, ATTR_STRING);
  } else if (isIntList(v)) {
    for (const x of v) {
      if (!Number.isInteger(x)) throw new Error(`onnx: attribute ${name}: ${x} is not an integer`);
      w.varint(8, x); // ints
    }
    w.varint(20, ATTR_INTS);
  } else if ('f' in v) {
    w.float(2, v.f); // f
    w.varint(20, ATTR_FLOAT);
  } else if ('floats' in v) {
    for (const x of v.floats) w.float(7, x); // floats
    w.varint(20, ATTR_FLOATS);
  } else {
    w.message(5, (m) => writeTensor(m, v.t)); // t
    w.varint(20, ATTR_TENSOR);
  }
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
}

interface ValueInfo {
  name: string;
  elemType: number;
  dims: readonly Dim[];
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name); // ValueInfoProto.name
  w.message(2, (type) =>
    // ValueInfoProto.type: TypeProto
    type.message(1, (tensor) => {
      // TypeProto.tensor_type
      tensor.varint(1, v.elemType); // elem_type
      tensor.message(2, (shape) => {
        // shape: TensorShapeProto
        for (const d of v.dims) {
          shape.message(1, (dim) => {
            // dim
            if (typeof d === 'number')
              dim.varint(1, d); // dim_value
            else dim.string(2, d); // dim_param
          });
        }
      });
    }),
  );
}

export interface ModelOptions {
  producerVersion?: string;
  docString?: string;
  /** ModelProto.metadata_props */
  metadata?: Record<string, string>;
}

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorValue[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'facet') {}

  /** A fresh value name from a hint. */
  fresh(hint: string): string {
    let n = hint;
    while (this.names.has(n)) n = `${hint}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`onnx: value name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, dims: readonly Dim[], elemType = FLOAT): string {
    this.inputs.push({ name: this.claim(name), elemType, dims });
    return name;
  }

  /** Declares a graph output (the value must be produced by a node under that name). */
  output(name: string, dims: readonly Dim[], elemType = FLOAT): void {
    this.outputs.push({ name, elemType, dims });
  }

  initializer(name: string, dims: readonly number[], data: TensorData): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims: [...dims], data });
    return n;
  }

  constFloat(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.initializer(name, dims, Float32Array.from(values));
  }

  constInt64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(
      name,
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** Adds a node; returns its (first) output's name. `out` names the output (else a fresh name from the op). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.nodeMulti(op, inputs, 1, attrs, out ? [out] : undefined)[0]!;
  }

  nodeMulti(op: string, inputs: readonly string[], outputCount: number, attrs: Record<string, AttrValue> = {}, outs?: string[]): string[] {
    const outputs = outs ? outs.map((o) => this.claim(o)) : Array.from({ length: outputCount }, () => this.fresh(op.toLowerCase()));
    this.nodes.push({ op, inputs: [...inputs], outputs, name: this.fresh(`${op}_node`), attrs });
    return outputs;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** GraphProto bytes. */
  encodeGraph(): Uint8Array {
    const w = new ProtoWriter();
    for (const n of this.nodes) {
      w.message(1, (m) => {
        // GraphProto.node: NodeProto
        for (const i of n.inputs) m.string(1, i); // input
        for (const o of n.outputs) m.string(2, o); // output
        m.string(3, n.name); // name
        m.string(4, n.op); // op_type
        for (const [k, v] of Object.entries(n.attrs)) m.message(5, (a) => writeAttribute(a, k, v)); // attribute
      });
    }
    w.string(2, this.name); // GraphProto.name
    for (const t of this.initializers) w.message(5, (m) => writeTensor(m, t)); // initializer
    for (const v of this.inputs) w.message(11, (m) => writeValueInfo(m, v)); // input
    for (const v of this.outputs) w.message(12, (m) => writeValueInfo(m, v)); // output
    return w.finish();
  }

  /** ModelProto bytes: ir_version 8, opset ''/17, producer 'facet'. */
  encodeModel(options: ModelOptions = {}): Uint8Array {
    const w = new ProtoWriter();
    w.varint(1, IR_VERSION); // ir_version
    w.string(2, 'facet'); // producer_name
    if (options.producerVersion) w.string(3, options.producerVersion); // producer_version
    if (options.docString) w.string(6, options.docString); // doc_string
    w.bytes(7, this.encodeGraph()); // graph
    w.message(8, (m) => {
      // opset_import: OperatorSetIdProto
      m.string(1, ''); // domain
      m.varint(2, OPSET_VERSION); // version
    });
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      w.message(14, (m) => {
        // metadata_props: StringStringEntryProto
        m.string(1, key);
        m.string(2, value);
      });
    }
    return w.finish();
  }
}
