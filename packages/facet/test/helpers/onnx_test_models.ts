// One-construction ONNX models: each of infer/onnx/ops.ts's constructions alone, for
// onnx_ops.test.ts to compare against libtorch's op.
import { GraphBuilder } from '../../src/infer/onnx/graph.js';
import { prelu, resizeNearest, shrinkMasks } from '../../src/infer/onnx/ops.js';

/** x [N,C,H,W] → resized to size. */
export function resizeTestModel(channels: number, inSize: readonly [number, number], size: readonly [number, number]): Uint8Array {
  const g = new GraphBuilder('resize_test');
  const x = g.input('x', ['N', channels, inSize[0], inSize[1]]);
  const y = resizeNearest(g, x, size);
  g.node('Identity', [y], {}, 'y');
  g.output('y', ['N', channels, size[0], size[1]]);
  return g.encodeModel();
}

/** x [N,C,H,W] → PReLU with the given slopes. */
export function preluTestModel(slopes: readonly number[], size: readonly [number, number]): Uint8Array {
  const g = new GraphBuilder('prelu_test');
  const x = g.input('x', ['N', slopes.length, size[0], size[1]]);
  g.node('Identity', [prelu(g, x, 'slope', slopes)], {}, 'y');
  g.output('y', ['N', slopes.length, size[0], size[1]]);
  return g.encodeModel();
}

/** masks [N,R,H,W] → shrunk to size. */
export function shrinkTestModel(regions: number, inSize: readonly [number, number], size: readonly [number, number], maxPooled: readonly number[]): Uint8Array {
  const g = new GraphBuilder('shrink_test');
  const x = g.input('x', ['N', regions, inSize[0], inSize[1]]);
  shrinkMasks(g, x, regions, inSize, size, maxPooled, 'y');
  g.output('y', ['N', regions, size[0], size[1]]);
  return g.encodeModel();
}
