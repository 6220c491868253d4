// `facet export onnx --run DIR --out model.onnx [--batch dynamic|N] [--int8 …]`: the bundle
// in DIR (bundle.json + weights.safetensors) as one ONNX graph, written atomically, without
// libtorch; then (unless --no-check) onnxruntime loads it and runs one zero image, and an
// int8 model is compared with the float graph on synthetic faces it was not calibrated on.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { guidedFilterOption, int, oneOf } from '../options.js';
import type { GuidedFilter } from '../../models/guided_filter.js';
import { type Bundle, readBundle } from '../../infer/bundle.js';
import { prepareImage } from '../../infer/preprocess.js';
import { exportBundle, writeOnnxFile } from '../../infer/onnx/export.js';
import { OnnxPipeline } from '../../infer/onnx/onnx_pipeline.js';

function batchOption(v: string): 'dynamic' | number {
  return v === 'dynamic' ? v : int("--batch ('dynamic' or N)", 1)(v);
}

const IMAGE_FILE = /\.(jpe?g|png|webp|tiff?|avif)$/i;

/** Every image file in dir, prepared as the bundle's inputs (the predict rule). */
async function calibrationImages(dir: string, bundle: Bundle, option = '--calibrate'): Promise<Float32Array[]> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => IMAGE_FILE.test(n))
      .sort();
  } catch (e) {
    throw new Error(`${option} ${dir}: ${(e as Error).message}`);
  }
  if (names.length === 0) throw new Error(`${option} ${dir}: no image files (.jpg, .png, .webp, …)`);
  const { height, width, normalization } = bundle.config;
  const out: Float32Array[] = [];
  for (const n of names) out.push((await prepareImage(join(dir, n), height, width, normalization)).input);
  return out;
}

interface OnnxExportFlags {
  run: string;
  out: string;
  batch: 'dynamic' | number;
  check: boolean;
  int8?: boolean;
  calibrate?: string;
  agreementOn?: string;
  weightBits: 7 | 8;
}

export function registerExportCommand(program: Command): void {
  const exp = program.command('export').description('export a trained model bundle to another runtime');
  exp
    .command('onnx')
    .description('the bundle (parser + SSP) as one ONNX graph (opset 17): image [N,3,H,W] → probabilities, region_weights, parse, heatmaps')
    .requiredOption('--run <dir>', 'bundle directory (bundle.json + weights.safetensors)')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--batch <b>', "batch dimension: 'dynamic' or a fixed N", batchOption, 'dynamic' as 'dynamic' | number)
    .option('--int8', 'int8 convs (QDQ; about 3× smaller, faster on CPUs with int8 dot products), calibrated on --calibrate or synthetic faces')
    .option('--calibrate <dir>', '--int8: calibrate on the images in this folder (default: 32 synthetic faces)')
    .option(
      '--agreement-on <dir>',
      '--int8: measure the agreement with the float graph on the images in this folder (default: 16 synthetic faces the calibration did not see)',
    )
    .option('--weight-bits <n>', '--int8: 7 (safe on every x86 CPU) or 8', oneOf('--weight-bits', ['7', '8'] as const), '7')
    .option('--no-check', 'do not load the written model with onnxruntime')
    .action(async (raw: Omit<OnnxExportFlags, 'weightBits'> & { weightBits: '7' | '8' }) => {
      const o: OnnxExportFlags = { ...raw, weightBits: raw.weightBits === '8' ? 8 : 7 };
      if (o.calibrate && !o.int8) throw new Error('--calibrate needs --int8');
      const bundle = readBundle(o.run);
      let bytes: Uint8Array, nodes: number, int8: Record<string, unknown> | undefined;
      if (o.int8) {
        const { exportBundleInt8 } = await import('../../infer/onnx/int8_export.js');
        const calibration = o.calibrate ? await calibrationImages(o.calibrate, bundle) : undefined;
        const q = await exportBundleInt8(bundle, { batch: o.batch, calibration, weightBits: o.weightBits });
        ({ bytes, nodes } = q);
        int8 = { calibration_images: q.calibrationImages, weight_bits: o.weightBits };
      } else {
        ({ bytes, nodes } = exportBundle(bundle, { batch: o.batch }));
      }
      writeOnnxFile(o.out, bytes);
      if (o.check) {
        const p = await OnnxPipeline.fromFile(o.out, { threads: 1 });
        try {
          const { height: h, width: w } = bundle.config;
          const n = o.batch === 'dynamic' ? 1 : o.batch;
          await p.run(Array.from({ length: n }, () => new Float32Array(3 * h * w)));
        } finally {
          await p.dispose();
        }
        if (int8) {
          const { int8Fidelity, syntheticInputs } = await import('../../infer/onnx/int8_export.js');
          // seed 2: faces the default calibration (seed 1) did not see
          const inputs = o.agreementOn ? await calibrationImages(o.agreementOn, bundle, '--agreement-on') : syntheticInputs(bundle, 16, 2);
          const f = await int8Fidelity(bundle, bytes, inputs);
          int8.versus_float = {
            images: f.images,
            max_probability_diff: f.maxProbabilityDiff,
            mean_probability_diff: f.meanProbabilityDiff,
            decision_agreement: f.decisionAgreement,
            parse_agreement: f.parseAgreement,
          };
        }
      }
      const c = bundle.config;
      console.log(
        JSON.stringify({
          out: o.out,
          bytes: bytes.length,
          nodes,
          opset: 17,
          batch: o.batch,
          height: c.height,
          width: c.width,
          attributes: c.attributeNames.length,
          checked: o.check,
          ...(int8 ? { int8 } : {}),
        }),
      );
    });

  exp
    .command('bundle')
    .description('a model bundle (what predict, serve and export onnx read) from a trained SSP run and its parser run')
    .requiredOption('--attributes <run>', 'an SSP attribute run (facet train attr --method ssp)')
    .option('--parser <run>', 'the parser run (default: the one the SSP run was trained with)')
    .requiredOption('--out <dir>', 'bundle directory to write')
    .option('--description <text>', 'what it was trained on, for people')
    .option('--weights <which>', 'best | weights (the last checkpoint)', 'best')
    .option(
      '--tune-thresholds <dir>',
      "tune each attribute's decision cut on this folder's val split and fold it into the model (p ≥ 0.5 is then the tuned decision)",
    )
    .option(
      '--parser-flip-average',
      "the parse averages the image's and its mirror image's (twice the parser's cost; +0.7 points of LFW mean IoU for the shipped parser)",
    )
    .option(
      '--parse-guided-filter <radius,eps>',
      "refine the full-scale parse along the image's edges with a guided filter (e.g. 4,0.001; +1.5 points of LFW mean IoU for the shipped parser)",
      guidedFilterOption('--parse-guided-filter'),
    )
    .action(
      async (o: {
        attributes: string;
        parser?: string;
        out: string;
        description?: string;
        weights: 'best' | 'weights';
        tuneThresholds?: string;
        parserFlipAverage?: boolean;
        parseGuidedFilter?: GuidedFilter;
      }) => {
        const { bundleFromRuns } = await import('../../infer/bundle_from_runs.js');
        await bundleFromRuns({
          attributesRun: o.attributes,
          parserRun: o.parser,
          out: o.out,
          description: o.description,
          weights: o.weights,
          tuneOn: o.tuneThresholds,
          parserFlipAverage: o.parserFlipAverage,
          parseGuidedFilter: o.parseGuidedFilter,
        });
        console.log(JSON.stringify({ out: o.out }));
      },
    );
}
