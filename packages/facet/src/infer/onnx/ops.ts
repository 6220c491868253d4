// Graph constructions shared by the exporters, each matching a libtorch op exactly:
// nearest upsampling to a size (upsample_nearest2d), adaptive average / max pooling
// of region masks (spec §4), PReLU.
import { GraphBuilder } from './graph.js';
import type { GuidedFilter } from '../../models/guided_filter.js';

/**
 * PyTorch's nearest resize to an exact size: src = floor(dst · in/out). ONNX Resize with
 * mode nearest, coordinate_transformation_mode asymmetric, nearest_mode floor computes
 * floor(dst / (out/in)); `sizes` keeps N and C from the input (dynamic batch).
 */
export function resizeNearest(g: GraphBuilder, x: string, size: readonly [number, number]): string {
  const nc = g.node('Shape', [x], { start: 0, end: 2 });
  const sizes = g.node('Concat', [nc, g.constInt64('resize_hw', [size[0], size[1]])], { axis: 0 });
  return g.node('Resize', [x, '', '', sizes], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
}

/** Which ONNX form computes PReLU with these slopes exactly (see prelu()). */
export function preluForm(slopes: ArrayLike<number>): 'max' | 'min' | 'prelu' {
  const a = Array.from(slopes);
  if (a.every((v) => v <= 1)) return 'max';
  if (a.every((v) => v >= 1)) return 'min';
  return 'prelu';
}

/**
 * PReLU with one slope per channel of x (N×C×H×W). onnxruntime's PRelu kernel is slow
 * (a third of a float forward, half of an int8 one, here); for slopes ≤ 1 it is exactly
 * Max(x, a·x), for slopes ≥ 1 Min(x, a·x): two vectorised ops. Mixed slopes keep PRelu.
 */
export function prelu(g: GraphBuilder, x: string, name: string, slopes: ArrayLike<number>): string {
  const a = g.constFloat(name, [slopes.length, 1, 1], slopes);
  const form = preluForm(slopes);
  if (form === 'prelu') return g.node('PRelu', [x, a]);
  return g.node(form === 'max' ? 'Max' : 'Min', [x, g.node('Mul', [x, a])]);
}

/** PyTorch's adaptive pooling bins: [floor(i·n/m), ceil((i+1)·n/m)) for i < m. */
export function adaptiveBins(inSize: number, outSize: number): Array<[number, number]> {
  return Array.from({ length: outSize }, (_, i) => [Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)]);
}

/** m×n matrix averaging each bin (rows: output index). */
function averagingMatrix(inSize: number, outSize: number): Float32Array {
  const p = new Float32Array(outSize * inSize);
  adaptiveBins(inSize, outSize).forEach(([s, e], i) => {
    for (let k = s; k < e; k++) p[i * inSize + k] = 1 / (e - s);
  });
  return p;
}

/** Index table [m, kmax] of each bin's positions, padded by repeating the bin's last one (max is idempotent). */
function binIndices(inSize: number, outSize: number): { idx: number[]; k: number } {
  const bins = adaptiveBins(inSize, outSize);
  const k = Math.max(...bins.map(([s, e]) => e - s));
  const idx: number[] = [];
  for (const [s, e] of bins) for (let j = 0; j < k; j++) idx.push(Math.min(s + j, e - 1));
  return { idx, k };
}

/** Adaptive average pooling of x (N×C×H×W) to h×w: P_h · x · P_wᵀ (two MatMuls). */
export function adaptiveAvgPool(g: GraphBuilder, x: string, inSize: readonly [number, number], size: readonly [number, number]): string {
  const [H, W] = inSize,
    [h, w] = size;
  const ph = g.constFloat('avgpool_rows', [h, H], averagingMatrix(H, h));
  const pwT = averagingMatrix(W, w); // w×W; transpose to W×w
  const t = new Float32Array(W * w);
  for (let i = 0; i < w; i++) for (let k = 0; k < W; k++) t[k * w + i] = pwT[i * W + k]!;
  const rows = g.node('MatMul', [ph, x]);
  return g.node('MatMul', [rows, g.constFloat('avgpool_cols', [W, w], t)]);
}

/** Adaptive max pooling of x (N×C×H×W) to h×w: Gather each bin's rows, ReduceMax; then the columns. */
export function adaptiveMaxPool(g: GraphBuilder, x: string, inSize: readonly [number, number], size: readonly [number, number]): string {
  const [H, W] = inSize,
    [h, w] = size;
  const r = binIndices(H, h);
  const rows = g.node('Gather', [x, g.constInt64('maxpool_rows', r.idx, [h, r.k])], { axis: 2 }); // N,C,h,kr,W
  const rowMax = g.node('ReduceMax', [rows], { axes: [3], keepdims: 0 }); // N,C,h,W
  const c = binIndices(W, w);
  const cols = g.node('Gather', [rowMax, g.constInt64('maxpool_cols', c.idx, [w, c.k])], { axis: 3 }); // N,C,h,w,kc
  return g.node('ReduceMax', [cols], { axes: [4], keepdims: 0 });
}

/**
 * SSP's mask shrink (models/ssp_head.ts shrinkMasks): region masks N×R×H×W to h×w, max
 * pooling for the regions in maxPooled, average for the others; consecutive regions of
 * one kind are pooled together.
 */
export function shrinkMasks(
  g: GraphBuilder,
  masks: string,
  regions: number,
  inSize: readonly [number, number],
  size: readonly [number, number],
  maxPooled: readonly number[],
  out?: string,
): string {
  const runs: Array<{ start: number; end: number; max: boolean }> = [];
  for (let k = 0; k < regions; k++) {
    const max = maxPooled.includes(k);
    const last = runs[runs.length - 1];
    if (last && last.max === max) last.end = k + 1;
    else runs.push({ start: k, end: k + 1, max });
  }
  const pieces = runs.map(({ start, end, max }) => {
    const part =
      runs.length === 1
        ? masks
        : g.node('Slice', [masks, g.constInt64('slice_start', [start]), g.constInt64('slice_end', [end]), g.constInt64('slice_axis', [1])]);
    return max ? adaptiveMaxPool(g, part, inSize, size) : adaptiveAvgPool(g, part, inSize, size);
  });
  if (pieces.length === 1 && !out) return pieces[0]!;
  if (pieces.length === 1) return g.node('Identity', pieces, {}, out);
  return g.node('Concat', pieces, { axis: 1 }, out);
}

/** models/guided_filter.ts boxMean: AveragePool over (2r+1)², stride 1, border windows clipped (count_include_pad 0). */
function boxMean(g: GraphBuilder, x: string, radius: number): string {
  const k = 2 * radius + 1;
  return g.node('AveragePool', [x], { kernel_shape: [k, k], pads: [radius, radius, radius, radius], strides: [1, 1], count_include_pad: 0 });
}

/**
 * models/guided_filter.ts refineParse: probabilities (N×R×H×W) filtered with the grey level of
 * the parser's input px (normalised by `norm`) as guide, clipped at 0 and renormalised.
 */
export function refinedParse(
  g: GraphBuilder,
  probabilities: string,
  px: string,
  norm: { mean: readonly number[]; std: readonly number[] },
  filter: GuidedFilter,
  out?: string,
): string {
  const r = filter.radius;
  const greyWeights = g.constFloat(
    'guide_weights',
    [1, 3, 1, 1],
    norm.std.map((s) => s / 765),
  );
  const greyShift = g.constFloat('guide_shift', [], [(norm.mean[0]! + norm.mean[1]! + norm.mean[2]!) / 765]);
  const guide = g.node('Add', [g.node('ReduceSum', [g.node('Mul', [px, greyWeights]), g.constInt64('guide_axes', [1])], { keepdims: 1 }), greyShift]);
  const meanI = boxMean(g, guide, r);
  const meanP = boxMean(g, probabilities, r);
  const covIP = g.node('Sub', [boxMean(g, g.node('Mul', [guide, probabilities]), r), g.node('Mul', [meanI, meanP])]);
  const varI = g.node('Sub', [boxMean(g, g.node('Mul', [guide, guide]), r), g.node('Mul', [meanI, meanI])]);
  const a = g.node('Div', [covIP, g.node('Add', [varI, g.constFloat('guide_eps', [], [filter.eps])])]);
  const b = g.node('Sub', [meanP, g.node('Mul', [a, meanI])]);
  const q = g.node('Relu', [g.node('Add', [g.node('Mul', [boxMean(g, a, r), guide]), boxMean(g, b, r)])]);
  return g.node('Div', [q, g.node('ReduceSum', [q, g.constInt64('region_axis', [1])], { keepdims: 1 })], {}, out);
}
