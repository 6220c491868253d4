// The bundle on onnxruntime-node: the same interface as TorchPipeline (run(inputs) →
// RawPrediction[]), asynchronous. Loads no libtorch: this file and everything it imports
// use only '@facet/torch/safetensors-format' and '@facet/torch/threads' (pure JS) from the torch package.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { checkThreads } from '@facet/torch/threads';
import type { Bundle, BundleConfig } from '../bundle.js';
import { checkBundleConfig } from '../bundle_check.js';
import { INPUT_NAME, type RawPrediction, unpackOutputs } from '../../model_io/outputs.js';
import { BUNDLE_METADATA_KEY, exportBundleToOnnx } from './export.js';
import { readModelInfo } from './model_info.js';

export interface OnnxPipelineOptions {
  /** onnxruntime's intra-op threads (default: its own choice) */
  threads?: number;
  /** export with a fixed batch (fromBundle only); default dynamic */
  batch?: 'dynamic' | number;
}

function sessionOptions(o: OnnxPipelineOptions): ort.InferenceSession.SessionOptions {
  const s: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
  if (o.threads !== undefined) {
    // 0: onnxruntime's own choice
    s.intraOpNumThreads = o.threads === 0 ? 0 : checkThreads(o.threads, 'onnx: threads');
    s.interOpNumThreads = 1;
  }
  return s;
}

export class OnnxPipeline {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly config: BundleConfig,
    /** the graph's fixed batch size, or null when dynamic */
    readonly fixedBatch: number | null,
  ) {}

  /** Exports the bundle in memory and opens it. */
  static async fromBundle(bundle: Pick<Bundle, 'config' | 'weights'>, options: OnnxPipelineOptions = {}): Promise<OnnxPipeline> {
    return OnnxPipeline.fromBytes(exportBundleToOnnx(bundle, { batch: options.batch }), options);
  }

  /** A model written by `facet export onnx` (bundle.json rides in its metadata). */
  static async fromFile(path: string, options: OnnxPipelineOptions = {}): Promise<OnnxPipeline> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    try {
      return await OnnxPipeline.fromBytes(bytes, options);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }

  static async fromBytes(bytes: Uint8Array, options: OnnxPipelineOptions = {}): Promise<OnnxPipeline> {
    const info = readModelInfo(bytes);
    const json = info.metadata[BUNDLE_METADATA_KEY];
    if (!json) throw new Error(`not a facet model (no '${BUNDLE_METADATA_KEY}' metadata)`);
    const where = `metadata '${BUNDLE_METADATA_KEY}'`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    const config = checkBundleConfig(parsed, where);
    const input = info.inputs.find((i) => i.name === INPUT_NAME);
    if (!input) throw new Error(`the graph has no input '${INPUT_NAME}'`);
    const [batch, channels, h, w] = input.dims;
    if (input.dims.length !== 4 || channels !== 3 || h !== config.height || w !== config.width) {
      throw new Error(
        `the graph's input '${INPUT_NAME}' is [${input.dims.join(', ')}], but ${where} says height ${config.height}, width ${config.width}: [N, 3, ${config.height}, ${config.width}] expected`,
      );
    }
    const session = await ort.InferenceSession.create(bytes, sessionOptions(options));
    return new OnnxPipeline(session, config, typeof batch === 'number' ? batch : null);
  }

  /** Predictions for normalised 3×H×W inputs (as model_io/normalize.ts makes them). */
  async run(inputs: Float32Array[]): Promise<RawPrediction[]> {
    const { height: h, width: w } = this.config;
    const per = 3 * h * w;
    inputs.forEach((x, i) => {
      if (x.length !== per) throw new Error(`onnx: input ${i} has ${x.length} values, 3×${h}×${w} = ${per} expected`);
    });
    if (inputs.length === 0) return [];
    const chunk = this.fixedBatch ?? inputs.length;
    const out: RawPrediction[] = [];
    for (let start = 0; start < inputs.length; start += chunk) {
      const part = inputs.slice(start, start + chunk);
      const batch = new Float32Array(chunk * per); // a fixed batch is padded with zeros
      part.forEach((x, i) => batch.set(x, i * per));
      const result = await this.session.run({ [INPUT_NAME]: new ort.Tensor('float32', batch, [chunk, 3, h, w]) });
      try {
        out.push(
          ...unpackOutputs(
            (name) => {
              const t = result[name];
              if (!t) throw new Error(`onnx: the model has no output '${name}'`);
              return { data: t.data as Float32Array, dims: t.dims };
            },
            chunk,
            part.length,
          ),
        );
      } finally {
        for (const t of Object.values(result)) t.dispose();
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
