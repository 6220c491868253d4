// `facet export onnx --run DIR --out model.onnx [--batch dynamic|N]`: the bundle in DIR
// (bundle.json + weights.safetensors) as one ONNX graph, written atomically, without
// libtorch; then (unless --no-check) onnxruntime loads it and runs one zero image.
import type { Command } from 'commander';
import { int } from '../options.js';
import { readBundle } from '../../infer/bundle.js';
import { exportBundle, writeOnnxFile } from '../../infer/onnx/export.js';
import { OnnxPipeline } from '../../infer/onnx/onnx_pipeline.js';

function batchOption(v: string): 'dynamic' | number {
  return v === 'dynamic' ? v : int("--batch ('dynamic' or N)", 1)(v);
}

export function registerExportCommand(program: Command): void {
  const exp = program.command('export').description('export a trained model bundle to another runtime');
  exp
    .command('onnx')
    .description('the bundle (parser + SSP) as one ONNX graph (opset 17): image [N,3,H,W] → probabilities, region_weights, parse, heatmaps')
    .requiredOption('--run <dir>', 'bundle directory (bundle.json + weights.safetensors)')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--batch <b>', "batch dimension: 'dynamic' or a fixed N", batchOption, 'dynamic' as 'dynamic' | number)
    .option('--no-check', 'do not load the written model with onnxruntime')
    .action(async (o: { run: string; out: string; batch: 'dynamic' | number; check: boolean }) => {
      const bundle = readBundle(o.run);
      const { bytes, nodes } = exportBundle(bundle, { batch: o.batch });
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
      }
      const c = bundle.config;
      console.log(JSON.stringify({
        out: o.out, bytes: bytes.length, nodes, opset: 17, batch: o.batch, height: c.height, width: c.width,
        attributes: c.attributeNames.length, checked: o.check,
      }));
    });

  exp
    .command('bundle')
    .description('a model bundle (what predict, serve and export onnx read) from a trained SSP run and its parser run')
    .requiredOption('--attributes <run>', 'an SSP attribute run (facet train attr --method ssp)')
    .option('--parser <run>', 'the parser run (default: the one the SSP run was trained with)')
    .requiredOption('--out <dir>', 'bundle directory to write')
    .option('--description <text>', 'what it was trained on, for people')
    .option('--weights <which>', 'best | weights (the last checkpoint)', 'best')
    .action(async (o: { attributes: string; parser?: string; out: string; description?: string; weights: 'best' | 'weights' }) => {
      const { bundleFromRuns } = await import('../../infer/bundle_from_runs.js');
      bundleFromRuns({ attributesRun: o.attributes, parserRun: o.parser, out: o.out, description: o.description, weights: o.weights });
      console.log(JSON.stringify({ out: o.out }));
    });
}
