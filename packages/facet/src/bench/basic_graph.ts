// The plain attribute net ("Avg. Pooling" baseline, spec §3) as an ONNX graph, from the
// exporter's blocks: what `facet bench --runtime onnx --model basic` times.
import type { SafetensorsEntry } from '@facet/torch/safetensors-format';
import { type OnnxExportOptions, WeightGraph, attributeFeatures, batchDim } from '../infer/onnx/export.js';
import { GraphBuilder } from '../infer/onnx/graph.js';
import { INPUT_NAME } from '../model_io/outputs.js';

/** image → probabilities (sigmoid of fc over the global average of conv62). */
export function buildBasicGraph(weights: Map<string, SafetensorsEntry>, height: number, width: number, options: OnnxExportOptions = {}): GraphBuilder {
  const N = batchDim(options);
  const g = new GraphBuilder('facet_basic');
  const a = new WeightGraph(g, weights, '', options.convs);
  const fc = a.get('fc.weight', 2);
  const A = fc.shape[0]!;
  const image = g.input(INPUT_NAME, [N, 3, height, width]);
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [attributeFeatures(a, image)])], { axis: 1 });
  const logits = g.node('Gemm', [pooled, g.constFloat('fc.weight', fc.shape, fc.data), g.constFloat('fc.bias', [A], a.get('fc.bias', 1).data)], { transB: 1 });
  g.node('Sigmoid', [logits], {}, 'probabilities');
  g.output('probabilities', [N, A]);
  return g;
}
