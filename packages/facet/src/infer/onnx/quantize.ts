// Int8 post-training quantization of the exported graphs in ONNX's QDQ form. Each
// quantized conv reads QuantizeLinear→DequantizeLinear of its input (uint8, one scale per
// tensor), an int8 weight with one scale per output channel and an int32 bias, and its
// output passes through Q→DQ again; onnxruntime fuses every DQ→Conv→Q into QLinearConv
// (u8s8 kernels; VNNI where the CPU has it). Activation ranges come from calibration: the
// float graph runs on sample inputs with every conv's input and output as extra outputs.
import { type GraphBuilder } from './graph.js';

/** Observed range of one activation tensor. */
export interface ActivationRange {
  min: number;
  max: number;
}

export interface QuantizeOptions {
  /**
   * Weight bits, 7 (default: ±63) or 8 (±127). u8s8 kernels without VNNI (AVX2,
   * AVX-512F) add two u8×s8 products in 16 bits, which can saturate with 8-bit weights.
   */
  weightBits?: 7 | 8;
}

/** uint8 scale and zero point covering [min, max] (widened to contain 0, as QuantizeLinear needs). */
export function activationQuantParams(r: ActivationRange): { scale: number; zeroPoint: number } {
  if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new Error(`quantize: activation range [${r.min}, ${r.max}] is not finite`);
  const lo = Math.min(0, r.min),
    hi = Math.max(0, r.max);
  const scale = hi - lo > 1e-12 ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** Symmetric per-output-channel int8 weights: w ≈ q[o,·]·scale[o]. */
export function quantizeWeights(w: Float64Array, outChannels: number, qmax: number): { q: Int8Array; scales: Float64Array } {
  const per = w.length / outChannels;
  const q = new Int8Array(w.length),
    scales = new Float64Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let j = 0; j < per; j++) m = Math.max(m, Math.abs(w[o * per + j]!));
    const s = m > 0 ? m / qmax : 1;
    scales[o] = s;
    for (let j = 0; j < per; j++) q[o * per + j] = Math.max(-qmax, Math.min(qmax, Math.round(w[o * per + j]! / s)));
  }
  return { q, scales };
}

export interface ConvSpec {
  name: string;
  weight: Float64Array;
  shape: readonly number[];
  bias: Float64Array | null;
  attrs: Record<string, number[]>;
}

/**
 * How the exporter's convs are written: plainly (float), plainly while recording their
 * inputs and outputs (calibration), or in QDQ form with the recorded ranges. The graph
 * builder names values deterministically, so the two passes see the convs in the same order.
 */
export abstract class ConvWriter {
  abstract conv(g: GraphBuilder, x: string, spec: ConvSpec): string;

  protected plain(g: GraphBuilder, x: string, c: ConvSpec): string {
    const inputs = [x, g.constFloat(`${c.name}.weight`, c.shape, c.weight)];
    if (c.bias) inputs.push(g.constFloat(`${c.name}.bias`, [c.shape[0]!], c.bias));
    return g.node('Conv', inputs, c.attrs);
  }
}

export class FloatConvs extends ConvWriter {
  conv(g: GraphBuilder, x: string, spec: ConvSpec): string {
    return this.plain(g, x, spec);
  }
}

/** Float convs whose inputs and outputs become graph outputs (taps), in order. */
export class CalibrationConvs extends ConvWriter {
  readonly taps: string[] = [];

  conv(g: GraphBuilder, x: string, spec: ConvSpec): string {
    const y = this.plain(g, x, spec);
    this.taps.push(x, y);
    return y;
  }

  /** Declares the taps as outputs (call once the graph is complete). */
  declareOutputs(g: GraphBuilder): void {
    for (const t of new Set(this.taps)) g.output(t, ['d0', 'd1', 'd2', 'd3']);
  }
}

/** QDQ convs from the ranges a CalibrationConvs pass observed, in the same order. */
export class QuantizedConvs extends ConvWriter {
  #next = 0;

  constructor(
    readonly ranges: readonly ActivationRange[],
    readonly options: QuantizeOptions = {},
  ) {
    super();
  }

  private range(): ActivationRange {
    const r = this.ranges[this.#next++];
    if (!r) throw new Error(`quantize: the graph has more conv activations than the ${this.ranges.length} calibrated`);
    return r;
  }

  /** x → Q → DQ with x's calibrated range; returns the dequantized value and its scale. */
  private qdq(g: GraphBuilder, x: string, r: ActivationRange): { value: string; scale: number } {
    const { scale, zeroPoint } = activationQuantParams(r);
    const s = g.constFloat('act_scale', [], [scale]);
    const z = g.initializer('act_zero_point', [], Uint8Array.of(zeroPoint));
    return { value: g.node('DequantizeLinear', [g.node('QuantizeLinear', [x, s, z]), s, z]), scale };
  }

  conv(g: GraphBuilder, x: string, c: ConvSpec): string {
    const inRange = this.range(),
      outRange = this.range();
    const input = this.qdq(g, x, inRange);
    const cout = c.shape[0]!;
    const { q, scales } = quantizeWeights(c.weight, cout, (this.options.weightBits ?? 7) === 8 ? 127 : 63);
    const w = g.node(
      'DequantizeLinear',
      [
        g.initializer(`${c.name}.weight_q`, c.shape, q),
        g.constFloat(`${c.name}.weight_scale`, [cout], scales),
        g.initializer(`${c.name}.weight_zero_point`, [cout], new Int8Array(cout)),
      ],
      { axis: 0 },
    );
    const inputs = [input.value, w];
    if (c.bias) {
      // QLinearConv adds the bias in int32 at scale x_scale·w_scale[o]
      const biasScale = Float32Array.from(scales, (s) => Math.fround(input.scale) * Math.fround(s));
      const bq = Int32Array.from(c.bias, (b, o) => Math.round(b / biasScale[o]!));
      inputs.push(
        g.node(
          'DequantizeLinear',
          [
            g.initializer(`${c.name}.bias_q`, [cout], bq),
            g.initializer(`${c.name}.bias_scale`, [cout], biasScale),
            g.initializer(`${c.name}.bias_zero_point`, [cout], new Int32Array(cout)),
          ],
          { axis: 0 },
        ),
      );
    }
    return this.qdq(g, g.node('Conv', inputs, c.attrs), outRange).value;
  }

  /** Throws unless every calibrated range was used (the two passes built the same graph). */
  finish(): void {
    if (this.#next !== this.ranges.length) throw new Error(`quantize: ${this.ranges.length} ranges calibrated, ${this.#next} used`);
  }
}

/** Per-tap [min, max] over calibration outputs (a tap may repeat: a conv's output feeding the next conv). */
export function rangesOf(taps: readonly string[], observe: (tap: string) => ActivationRange): ActivationRange[] {
  const seen = new Map<string, ActivationRange>();
  return taps.map((t) => {
    let r = seen.get(t);
    if (!r) seen.set(t, (r = observe(t)));
    return r;
  });
}
