// The protobuf writer: known bytes, our own decoder on a trivial graph, and
// onnxruntime loading one-node graphs and computing known values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ProtoWriter, decodeFields, decodePackedVarints, asString, asInt64 } from '../src/infer/onnx/protobuf.js';
import { GraphBuilder } from '../src/infer/onnx/graph.js';
import { readModelInfo } from '../src/infer/onnx/model_info.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test("wire format: the protobuf documentation's examples and edge cases", () => {
  const w = new ProtoWriter();
  w.varint(1, 150);
  assert.equal(hex(w.finish()), '089601');
  const s = new ProtoWriter();
  s.string(2, 'testing');
  assert.equal(hex(s.finish()), '120774657374696e67');
  const n = new ProtoWriter();
  n.varint(1, -1); // int64 -1: ten bytes
  assert.equal(hex(n.finish()), '08ffffffffffffffffff01');
  const f = new ProtoWriter();
  f.float(2, 1.5);
  assert.equal(hex(f.finish()), '150000c03f');
  const p = new ProtoWriter();
  p.packedVarints(4, [3, 270, 86942]);
  assert.equal(hex(p.finish()), '2206038e029ea705'); // the documentation's packed example
  const big = new ProtoWriter();
  big.varint(1, 2 ** 40);
  const [field] = decodeFields(big.finish());
  assert.equal(asInt64(field!.varint!), 2 ** 40);
  assert.deepEqual(decodePackedVarints(decodeFields(p.finish())[0]!.bytes!), [3, 270, 86942]);
  assert.throws(() => decodeFields(new Uint8Array([0x0a, 0x05, 0x61])), /truncated/);
  assert.throws(() => new ProtoWriter().varint(1, 0.5), /safe integer/);
});

test('a trivial graph decodes back to what was written', () => {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', ['N', 3]);
  const c = g.constFloat('c', [3], [1, 2, 3]);
  g.node('Add', [x, c], {}, 'y');
  g.output('y', ['N', 3]);
  const bytes = g.encodeModel({ metadata: { k: 'v' } });
  const model = decodeFields(bytes);
  assert.deepEqual(
    model.map((f) => f.field),
    [1, 2, 7, 8, 14],
  );
  const info = readModelInfo(bytes);
  assert.equal(info.irVersion, 8);
  assert.equal(info.producerName, 'facet');
  assert.deepEqual(info.opsets, [{ domain: '', version: 17 }]);
  assert.equal(info.graphName, 'tiny');
  assert.deepEqual(info.inputs, [{ name: 'x', elemType: 1, dims: ['N', 3] }]);
  assert.deepEqual(info.outputs, [{ name: 'y', elemType: 1, dims: ['N', 3] }]);
  assert.deepEqual(info.ops, ['Add']);
  assert.deepEqual(info.metadata, { k: 'v' });
  // the initializer: dims 3, FLOAT, name c, raw_data little-endian
  const graph = decodeFields(model.find((f) => f.field === 7)!.bytes!);
  const init = decodeFields(graph.find((f) => f.field === 5)!.bytes!);
  assert.deepEqual(
    init.map((f) => f.field),
    [1, 2, 8, 9],
  );
  assert.equal(init[0]!.varint, 3n);
  assert.equal(init[1]!.varint, 1n);
  assert.equal(asString(init[2]!.bytes!), 'c');
  assert.equal(hex(init[3]!.bytes!), '0000803f' + '00000040' + '00004040');
  // the node: inputs x c, output y, op Add
  const node = decodeFields(graph.find((f) => f.field === 1)!.bytes!);
  assert.deepEqual(
    node.filter((f) => f.field === 1).map((f) => asString(f.bytes!)),
    ['x', 'c'],
  );
  assert.deepEqual(
    node.filter((f) => f.field === 2).map((f) => asString(f.bytes!)),
    ['y'],
  );
  assert.equal(asString(node.find((f) => f.field === 4)!.bytes!), 'Add');
});

test('onnxruntime loads a one-node graph and computes a known value', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 3]);
  g.node('Add', [x, g.constFloat('c', [3], [1, 2, 3])], {}, 'y');
  g.output('y', ['N', 3]);
  const s = await ort.InferenceSession.create(g.encodeModel());
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([10, 20, 30, -1, -2, -3]), [2, 3]) });
  assert.deepEqual(Array.from(out['y']!.data as Float32Array), [11, 22, 33, 0, 0, 0]);
  await s.release();
});

test('attributes of every kind reach onnxruntime: FLOAT, INT, INTS, STRING, TENSOR; INT64 initializers', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 2]);
  const bias = g.node('Constant', [], { value: { t: { dims: [3], data: new Float32Array([0.5, -0.5, 1]) } } });
  const w = g.constFloat('w', [3, 2], [1, 0, 0, 1, 1, 1]); // transB: y = alpha·x·wᵀ + beta·bias
  const y = g.node('Gemm', [x, w, bias], { alpha: { f: 2 }, beta: { f: 0.5 }, transB: 1 });
  const r = g.node('Reshape', [y, g.constInt64('shape', [3, 2])]);
  const t = g.node('Transpose', [r], { perm: [1, 0] });
  g.node('Pad', [t, g.constInt64('pads', [0, 1, 0, 0])], { mode: 'constant' }, 'out');
  g.output('out', [2, 4]);
  const s = await ort.InferenceSession.create(g.encodeModel());
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
  // gemm: [[2·1+.25, 2·2-.25, 2·3+.5], [2·3+.25, 2·4-.25, 2·7+.5]] = [[2.25, 3.75, 6.5], [6.25, 7.75, 14.5]]
  // reshape 3×2: [[2.25,3.75],[6.5,6.25],[7.75,14.5]]; transpose: [[2.25,6.5,7.75],[3.75,6.25,14.5]]; pad one zero in front
  assert.deepEqual(out['out']!.dims, [2, 4]);
  assert.deepEqual(Array.from(out['out']!.data as Float32Array), [0, 2.25, 6.5, 7.75, 0, 3.75, 6.25, 14.5]);
  await s.release();
});
