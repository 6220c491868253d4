// The bundle (parser + SSP attribute net, spec §2, §4, §10) as ONE ONNX graph, written
// from the raw safetensors entries, without libtorch. Input `image` N×3×H×W (normalised
// as infer/preprocess.ts does, H×W fixed by bundle.json); outputs as TorchPipeline:
// probabilities N×A, region_weights N×R×A, parse N×R×H×W, heatmaps N×A×h×w.
//
// Mapping: eval-mode BatchNorm folded into the conv's weights and a bias (in float64);
// stride-1 transposed convs (k 3, pad 1) as Conv with the kernel flipped and in/out
// swapped (pad k-1-p = 1); PReLU as ops.ts prelu(); ceil-mode pooling as MaxPool
// ceil_mode 1; upsampling as Resize (ops.ts); softmax over axis 1; a bundle's guided
// filter on the parse (models/guided_filter.ts) as AveragePool window means (ops.ts).
import type { SafetensorsEntry } from '@facet/torch/safetensors-format';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { MAX_POOLED_REGIONS, REGION_COUNT } from '../../regions.js';
import { ATTRIBUTE_BLOCKS, DECODER_BLOCKS, ENCODER_BLOCKS } from '../../models/architecture.js';
import type { Bundle, BundleConfig } from '../bundle.js';
import { INPUT_NAME, OUTPUT_NAMES } from '../../model_io/outputs.js';
import { FACET_VERSION } from '../../version.js';
import { type Dim, GraphBuilder } from './graph.js';
import { prelu, refinedParse, resizeNearest, shrinkMasks } from './ops.js';
import { type ConvWriter, FloatConvs } from './quantize.js';

export interface OnnxExportOptions {
  /** 'dynamic' (default): batch dimension 'N'; a number fixes it. */
  batch?: 'dynamic' | number;
  /** How the conv blocks are written (default float; quantize.ts: calibration taps or int8 QDQ). */
  convs?: ConvWriter;
}

/** Metadata key holding bundle.json in the model (ModelProto.metadata_props). */
export const BUNDLE_METADATA_KEY = 'facet.bundle';

const BN_EPS = 1e-5;

/** Float values of one stored tensor (float32 or float64), copied. */
function floats(e: SafetensorsEntry, name: string): Float64Array {
  const bytes = e.data;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (e.dtype === 'float32') {
    const out = new Float64Array(bytes.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (e.dtype === 'float64') {
    const out = new Float64Array(bytes.byteLength / 8);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
    return out;
  }
  throw new Error(`onnx export: weight ${name} has dtype ${e.dtype} (float32 or float64 expected)`);
}

/** Reads one model's weights (under a prefix) and turns its blocks into graph nodes. */
export class WeightGraph {
  constructor(
    readonly g: GraphBuilder,
    readonly weights: Map<string, SafetensorsEntry>,
    readonly prefix: string,
    readonly convs: ConvWriter = new FloatConvs(),
  ) {}

  has(name: string): boolean {
    return this.weights.has(this.prefix + name);
  }

  get(name: string, rank?: number): { data: Float64Array; shape: number[] } {
    const key = this.prefix + name;
    const e = this.weights.get(key);
    if (!e) throw new Error(`onnx export: the bundle has no weight ${key}`);
    if (rank !== undefined && e.shape.length !== rank) throw new Error(`onnx export: ${key} has shape [${e.shape.join(', ')}], rank ${rank} expected`);
    return { data: floats(e, key), shape: [...e.shape] };
  }

  /** Conv weight [out,in,k,k] from a Conv2d's or (flipped, swapped) ConvTranspose2d's weight. */
  convWeight(name: string, transposed: boolean): { data: Float64Array; shape: [number, number, number, number] } {
    const { data, shape } = this.get(name, 4);
    const [a, b, kh, kw] = shape as [number, number, number, number];
    if (!transposed) return { data, shape: [a, b, kh, kw] };
    // ConvTranspose2d weight [in, out, kh, kw] → Conv weight [out, in, kh, kw] flipped in space.
    const out = new Float64Array(data.length);
    for (let i = 0; i < a; i++)
      for (let o = 0; o < b; o++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++) {
            out[((o * a + i) * kh + y) * kw + x] = data[((i * b + o) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)]!;
          }
    return { data: out, shape: [b, a, kh, kw] };
  }

  /** `exact`: always float (the parser's 7-class heads, whose logits become the parse). */
  private conv(x: string, name: string, weight: Float64Array, shape: readonly number[], bias: Float64Array | null, exact = false): string {
    const k = shape[2]!;
    const pad = Math.floor(k / 2); // Conv2d padding k/2; transposed: k-1-p with p = k/2 (k odd) is the same
    const spec = { name, weight, shape, bias, attrs: { kernel_shape: [k, shape[3]!], pads: [pad, pad, pad, pad], strides: [1, 1] } };
    return (exact ? new FloatConvs() : this.convs).conv(this.g, x, spec);
  }

  /** cbp / dbp (models/blocks.ts CBP): conv → BN (folded) → PReLU. */
  cbp(x: string, name: string, transposed = false): string {
    const { data: w, shape } = this.convWeight(`${name}.conv.weight`, transposed);
    const cout = shape[0],
      per = w.length / cout;
    if (!this.has(`${name}.bn.weight`)) return this.conv(x, `${name}.conv`, w, shape, null);
    const gamma = this.get(`${name}.bn.weight`).data,
      beta = this.get(`${name}.bn.bias`).data;
    const mean = this.get(`${name}.bn.running_mean`).data,
      variance = this.get(`${name}.bn.running_var`).data;
    const folded = new Float64Array(w.length),
      bias = new Float64Array(cout);
    for (let o = 0; o < cout; o++) {
      const s = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
      for (let j = 0; j < per; j++) folded[o * per + j] = w[o * per + j]! * s;
      bias[o] = beta[o]! - mean[o]! * s;
    }
    const y = this.conv(x, `${name}.conv`, folded, shape, bias);
    const slope = this.get(`${name}.act.weight`, 1);
    if (slope.shape[0] !== cout && slope.shape[0] !== 1)
      throw new Error(`onnx export: ${this.prefix}${name}.act.weight has ${slope.shape[0]} slopes for ${cout} channels`);
    return prelu(this.g, y, `${name}.act.weight`, slope.data);
  }

  /** A conv (or transposed conv) with its own bias: the parser's 7-class heads. */
  head(x: string, name: string, transposed: boolean): string {
    const { data, shape } = this.convWeight(`${name}.weight`, transposed);
    return this.conv(x, name, data, shape, this.get(`${name}.bias`, 1).data, true);
  }

  pool(x: string): string {
    return this.g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
  }

  /** conv11 … conv42 (models/encoder.ts, ungated). */
  encoder(x: string, prefix = 'encoder.'): string {
    let y = x;
    ENCODER_BLOCKS.forEach(({ block }, i) => {
      y = this.cbp(this.cbp(y, `${prefix}conv${block}1`), `${prefix}conv${block}2`);
      if (i < ENCODER_BLOCKS.length - 1) y = this.pool(y);
    });
    return y;
  }

  /** Linear(C, A) applied to x […, C]: MatMul with Wᵀ, plus the bias. */
  linear(x: string, name: string): string {
    const { data, shape } = this.get(`${name}.weight`, 2);
    const [a, c] = shape as [number, number];
    const t = new Float64Array(c * a);
    for (let i = 0; i < a; i++) for (let j = 0; j < c; j++) t[j * a + i] = data[i * c + j]!;
    const y = this.g.node('MatMul', [x, this.g.constFloat(`${name}.weight_t`, [c, a], t)]);
    return this.g.node('Add', [y, this.g.constFloat(`${name}.bias`, [a], this.get(`${name}.bias`, 1).data)]);
  }
}

const half = (n: number): number => Math.ceil(n / 2);
/** Ceil-mode pools before the attribute net's last conv: after every encoder block but the last, and between its later blocks. */
const POOLS = ENCODER_BLOCKS.length - 1 + ATTRIBUTE_BLOCKS.length - 1;
/** The attribute net's last conv grid. */
export function gridSize(height: number, width: number): [number, number] {
  let h = height,
    w = width;
  for (let i = 0; i < POOLS; i++) [h, w] = [half(h), half(w)];
  return [h, w];
}

export function batchDim(options: OnnxExportOptions): Dim {
  const b = options.batch ?? 'dynamic';
  if (b === 'dynamic') return 'N';
  if (!Number.isInteger(b) || b < 1) throw new Error(`onnx export: batch must be 'dynamic' or a positive integer, got ${String(b)}`);
  return b;
}

/** Parser (models/parser.ts) from its input: logits of deconv23 (1/2) and deconv13 (1/1). */
function parserGraph(p: WeightGraph, x: string, height: number, width: number): { half: string; full: string } {
  const h2: [number, number] = [half(height), half(width)];
  const h4: [number, number] = [half(h2[0]), half(h2[1])];
  const sizes: Array<[number, number] | null> = [h4, h2, [height, width], null];
  let y = p.encoder(x);
  const heads: Record<number, string> = {};
  DECODER_BLOCKS.forEach(({ block }, i) => {
    const b = p.cbp(p.cbp(y, `deconv${block}1`, true), `deconv${block}2`, true);
    if (block <= 2) heads[block] = p.head(b, `deconv${block}3`, true); // deconv43/33 feed nothing at inference
    const size = sizes[i];
    if (size) y = resizeNearest(p.g, b, size);
  });
  return { half: heads[2]!, full: heads[1]! };
}

/** x mirrored left to right (its last axis): a Slice with step −1 (ends clamp to the first column). */
function mirror(g: GraphBuilder, x: string): string {
  const [start, end, axis, step] = [[-1], [Number.MIN_SAFE_INTEGER], [3], [-1]].map((v, i) => g.constInt64(`mirror_${['start', 'end', 'axis', 'step'][i]}`, v));
  return g.node('Slice', [x, start!, end!, axis!, step!]);
}

/** The parser on the image and its mirror image as one batch of 2N, each output the mean of the two views (models/flip_average.ts). */
function flipAveragedParserGraph(p: WeightGraph, x: string, height: number, width: number): { half: string; full: string } {
  const g = p.g;
  const both = parserGraph(p, g.node('Concat', [x, mirror(g, x)], { axis: 0 }), height, width);
  const average = (t: string): string => {
    const [plain, mirrored] = g.nodeMulti('Split', [t], 2, { axis: 0 });
    return g.node('Mul', [g.node('Add', [plain!, mirror(g, mirrored!)]), g.constFloat('one_half', [], [0.5])]);
  };
  return { half: average(both.half), full: average(both.full) };
}

/** conv11 … conv62 of the attribute net (models/attribute_net.ts features()). */
export function attributeFeatures(a: WeightGraph, x: string): string {
  if (a.has('innorm.weight')) throw new Error('onnx export: attribute nets with an input BatchNorm (Naive) are not exported');
  let y = a.encoder(x);
  ATTRIBUTE_BLOCKS.forEach(({ block }, i) => {
    if (i > 0) y = a.pool(y);
    y = a.cbp(a.cbp(y, `conv${block}1`), `conv${block}2`);
  });
  return y;
}

function channelsOf(a: WeightGraph, name: string): number {
  return a.get(name).shape[0]!;
}

/** The whole bundle graph (see the top of this file). */
export function buildBundleGraph(bundle: Pick<Bundle, 'config' | 'weights'>, options: OnnxExportOptions = {}): GraphBuilder {
  const c = bundle.config;
  if (c.method !== 'ssp') throw new Error(`onnx export: bundle method '${String(c.method)}' (only 'ssp' bundles are exported)`);
  const H = c.height,
    W = c.width;
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 1 || W < 1) throw new Error(`onnx export: bad input size ${H}×${W}`);
  const N = batchDim(options);
  const g = new GraphBuilder('facet_ssp');
  const p = new WeightGraph(g, bundle.weights, 'parser.', options.convs);
  const a = new WeightGraph(g, bundle.weights, 'attributes.', options.convs);
  const R = REGION_COUNT;
  const A = channelsOf(a, 'rec.weight');
  if (c.attributeNames.length !== A) throw new Error(`onnx export: bundle.json names ${c.attributeNames.length} attributes, rec.weight has ${A}`);
  const C = a.get('rec.weight').shape[1]!;
  const [gh, gw] = gridSize(H, W);
  const h2: [number, number] = [half(H), half(W)];

  const image = g.input(INPUT_NAME, [N, 3, H, W]);
  const [PROBABILITIES, REGION_WEIGHTS, PARSE, HEATMAPS] = OUTPUT_NAMES;

  // Parser input: x·(σ_a/σ_p) + (μ_a-μ_p)/σ_p per channel (TorchPipeline.parserInput), in float32 as there.
  const an = c.normalization,
    pn = c.parserNormalization;
  const scale = new Float32Array(an.std.map((s, k) => s / pn.std[k]!));
  const shift = new Float32Array(an.mean.map((m, k) => (m - pn.mean[k]!) / pn.std[k]!));
  const px = g.node('Add', [g.node('Mul', [image, g.constFloat('parser_scale', [1, 3, 1, 1], scale)]), g.constFloat('parser_shift', [1, 3, 1, 1], shift)]);
  const logits = c.parserFlipAverage ? flipAveragedParserGraph(p, px, H, W) : parserGraph(p, px, H, W);
  if (c.parseGuidedFilter) refinedParse(g, g.node('Softmax', [logits.full], { axis: 1 }), px, pn, c.parseGuidedFilter, PARSE);
  else g.node('Softmax', [logits.full], { axis: 1 }, PARSE);
  const masksHalf = g.node('Softmax', [logits.half], { axis: 1 });

  // SSP (models/ssp_head.ts): masks on conv62's grid, region features, two branches.
  const features = attributeFeatures(a, image); // N,C,gh,gw
  const gridMasks = shrinkMasks(g, masksHalf, R, h2, [gh, gw], MAX_POOLED_REGIONS);
  const mflat = g.node('Reshape', [gridMasks, g.constInt64('shape_nrk', [0, R, gh * gw])]); // N,R,hw
  const aflat = g.node('Reshape', [features, g.constInt64('shape_nck', [0, C, gh * gw])]); // N,C,hw
  const weighted = g.node('MatMul', [mflat, g.node('Transpose', [aflat], { perm: [0, 2, 1] })]); // N,R,C
  const msum = g.node('ReduceSum', [mflat, g.constInt64('axes_2', [2])], { keepdims: 1 }); // N,R,1
  const f = g.node('Div', [weighted, g.node('Add', [msum, g.constFloat('ssp_eps', [], [1e-6])])]);
  const sRec = a.linear(f, 'rec'); // N,R,A
  const sLoc = a.linear(f, 'loc');
  const weights = g.node('Softmax', [sLoc], { axis: 1 }, REGION_WEIGHTS);
  const logit = g.node('ReduceSum', [g.node('Mul', [weights, sRec]), g.constInt64('axes_1', [1])], { keepdims: 0 }); // N,A
  g.node('Sigmoid', [logit], {}, PROBABILITIES);

  // Heat maps (models/localization.ts): (Σ_r w[r,a]·m_r) · ⟨W_rec[a], A(x,y)⟩.
  const rec = a.get('rec.weight', 2);
  const scores = g.node('Conv', [features, g.constFloat('rec.weight_1x1', [A, C, 1, 1], rec.data)], { kernel_shape: [1, 1] }); // N,A,gh,gw
  const spread = g.node('MatMul', [g.node('Transpose', [weights], { perm: [0, 2, 1] }), mflat]); // N,A,hw
  const spread4 = g.node('Reshape', [spread, g.constInt64('shape_nahw', [0, A, gh, gw])]);
  g.node('Mul', [spread4, scores], {}, HEATMAPS);

  g.output(PROBABILITIES, [N, A]);
  g.output(REGION_WEIGHTS, [N, R, A]);
  g.output(PARSE, [N, R, H, W]);
  g.output(HEATMAPS, [N, A, gh, gw]);
  return g;
}

/** The bundle as ONNX ModelProto bytes; bundle.json travels in the metadata (BUNDLE_METADATA_KEY). */
export function exportBundleToOnnx(bundle: Pick<Bundle, 'config' | 'weights'>, options: OnnxExportOptions = {}): Uint8Array {
  return exportBundle(bundle, options).bytes;
}

/** exportBundleToOnnx with the graph's node count. */
export function exportBundle(bundle: Pick<Bundle, 'config' | 'weights'>, options: OnnxExportOptions = {}): { bytes: Uint8Array; nodes: number } {
  const g = buildBundleGraph(bundle, options);
  const bytes = g.encodeModel({
    producerVersion: FACET_VERSION,
    docString: 'facet: parser + SSP attribute network (Kalayeh et al., CVPR 2017)',
    metadata: { [BUNDLE_METADATA_KEY]: JSON.stringify(bundle.config) },
  });
  return { bytes, nodes: g.nodeCount };
}

/** Writes model bytes atomically (temp file, fsync, rename). */
export function writeOnnxFile(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}

export type { BundleConfig };
