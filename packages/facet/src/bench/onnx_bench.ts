// `facet bench --runtime onnx --model M`: the exported graph on onnxruntime-node, with
// random weights made in JS (no libtorch): M = ssp is the bundle graph (parser + SSP
// attribute net, the four outputs), M = basic the plain attribute net. One warm-up run,
// then S timed runs of a batch. Prints model_bench.ts's JSON keys; train_img_s is null
// (onnxruntime does not train), params counts the graph's parameters (ssp: parser + SSP).
import * as ort from 'onnxruntime-node';
import type { SafetensorsEntry } from '@facet/torch/safetensors-format';
import { buildBundleGraph } from '../infer/onnx/export.js';
import { buildBasicGraph } from './basic_graph.js';
import { type CalibrationBatch, type GraphFactory, quantizedGraph } from '../infer/onnx/calibrate.js';
import { FloatConvs } from '../infer/onnx/quantize.js';
import type { GraphBuilder } from '../infer/onnx/graph.js';
import { parameterCount, syntheticWeights } from './synthetic_weights.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig } from '../infer/bundle.js';
import { INPUT_NAME } from '../model_io/outputs.js';
import type { ModelBenchOptions, ModelBenchResult } from './model_bench.js';
import { REGION_NAMES } from '../regions.js';

export const ONNX_BENCH_MODELS = ['ssp', 'basic'] as const;
export type OnnxBenchModel = (typeof ONNX_BENCH_MODELS)[number];

// The torch bench's shapes (a type-only import: nothing of libtorch is loaded here).
export type OnnxBenchOptions = Omit<ModelBenchOptions, 'model' | 'precision'> & {
  model: OnnxBenchModel;
  /** int8: the graph quantized (quantize.ts), calibrated on inputs drawn like the timed ones; the engine name says so */
  precision?: OnnxPrecision;
};
export type OnnxPrecision = 'fp32' | 'int8';
/** The peer's JSON keys; onnxruntime only infers, so train_img_s is null. */
export type OnnxBenchResult = Omit<ModelBenchResult, 'train_img_s' | 'precision'> & { train_img_s: null };

export function onnxEngineName(): string {
  return `onnxruntime-node-${ort.env.versions.node ?? ort.env.versions.common}`;
}

/** The graph factory and parameter count for a bench configuration. */
export function benchGraph(o: Pick<OnnxBenchOptions, 'model' | 'height' | 'width' | 'widthMult' | 'seed'>): { build: GraphFactory; params: number } {
  if (o.model === 'basic') {
    const weights = syntheticWeights('basic', o.widthMult, 40, o.seed);
    return { build: (convs) => buildBasicGraph(weights, o.height, o.width, { convs }), params: parameterCount(weights) };
  }
  if (o.model !== 'ssp') throw new Error(`bench --runtime onnx: model '${String(o.model)}' (one of ${ONNX_BENCH_MODELS.join(', ')})`);
  const weights = new Map<string, SafetensorsEntry>();
  const parser = syntheticWeights('parser', o.widthMult, 40, o.seed);
  const attrs = syntheticWeights('ssp', o.widthMult, 40, o.seed + 1);
  for (const [k, v] of parser) weights.set(`parser.${k}`, v);
  for (const [k, v] of attrs) weights.set(`attributes.${k}`, v);
  const config: BundleConfig = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    method: 'ssp',
    height: o.height,
    width: o.width,
    parserWidthMult: o.widthMult,
    attributeWidthMult: o.widthMult,
    attributeNames: Array.from({ length: 40 }, (_, i) => `attribute_${i}`),
    regionNames: [...REGION_NAMES],
    normalization: { mean: [128, 128, 128], std: [64, 64, 64] },
    parserNormalization: { mean: [128, 128, 128], std: [64, 64, 64] },
    description: 'random weights (bench)',
  };
  return { build: (convs) => buildBundleGraph({ config, weights }, { convs }), params: parameterCount(parser) + parameterCount(attrs) };
}

/** Inputs uniform in ±1.7 (about a normalised image's spread), from a seed. */
function benchInputs(count: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5; // xorshift32
    return ((s >>> 0) / 4294967296 - 0.5) * 3.4;
  });
}

export async function benchOnnx(o: OnnxBenchOptions): Promise<OnnxBenchResult> {
  const { build, params } = benchGraph(o);
  const precision = o.precision ?? 'fp32';
  const per = 3 * o.height * o.width;
  let graph: GraphBuilder;
  if (precision === 'int8') {
    const n = Math.min(o.batch, 4);
    const calibration: CalibrationBatch[] = [0, 1].map((k) => ({ data: benchInputs(n * per, o.seed + 1000 + k), dims: [n, 3, o.height, o.width] }));
    graph = await quantizedGraph(build, calibration, { threads: o.threads });
  } else {
    graph = build(new FloatConvs());
  }
  const session = await ort.InferenceSession.create(graph.encodeModel(), {
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  try {
    const data = benchInputs(o.batch * per, o.seed);
    const feeds = { [INPUT_NAME]: new ort.Tensor('float32', data, [o.batch, 3, o.height, o.width]) };
    const once = async (): Promise<void> => {
      const out = await session.run(feeds);
      for (const t of Object.values(out)) t.dispose();
    };
    await once();
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) await once();
    const infer = (o.batch * o.steps) / ((performance.now() - t0) / 1000);
    return {
      engine: precision === 'int8' ? `${onnxEngineName()}-int8` : onnxEngineName(),
      model: o.model,
      height: o.height,
      width: o.width,
      width_mult: o.widthMult,
      batch: o.batch,
      params,
      train_img_s: null,
      infer_img_s: Math.round(infer * 1000) / 1000,
    };
  } finally {
    await session.release();
  }
}
