// `facet predict IMAGE… [--run DIR] [--json] [--out DIR] [--runtime torch|onnx] [--aligned]`:
// per photo its faces (found and aligned as CelebA's crops, or with --aligned the image
// taken as one aligned crop), and per face the 40 attribute probabilities, the parse, and
// each attribute's localization heat map and region weights (spec §10). The action
// imports the runtimes lazily (through infer/predict.ts), so that `--runtime onnx` never
// loads the native libtorch addon.
import type { Command } from 'commander';
import { int, oneOf, threads } from '../options.js';
import { DEVICE_HELP, parseDeviceOption } from '../device_option.js';
import type { PredictionResult } from '../../infer/predict.js';
import { PRECISIONS, PRECISION_HELP, type Precision } from '../../models/precision.js';
import { topRegions } from '../../model_io/top_regions.js';

interface PredictCliOptions {
  run?: string;
  runtime?: 'torch' | 'onnx';
  onnx?: string;
  json?: boolean;
  out?: string;
  threads?: number;
  precision?: Precision;
  batch: number;
  top: number;
  aligned?: boolean;
  maxFaces?: number;
  device?: string;
}

const RESIZE_NOTE = `
Any photo: the faces are found (BlazeFace + FaceMesh, on WebAssembly), largest first,
and each is aligned the way CelebA's crops are — turned so the eyes are level, scaled
and cut out into CelebA's 178×218 frame — then brought to the model's input. A photo
without a face gets no prediction: stderr says so, its JSON has "faces": [] and a
"note", and the exit code is 1, as for an unreadable image; the other photos are still
predicted.

--aligned: the images already are aligned face crops (CelebA's img_align_celeba, 178×218
W×H for the shipped model): no face is looked for; an image that is not the model's
input size is scaled to cover it keeping its aspect ratio, then centre-cropped
(infer/preprocess.ts).

Output: a table of each face's most probable attributes (default), one JSON object per
image and line (--json: faces with box, score, landmarks, attributes, regions,
region_weights, top_region; size, runtime, align), and with --out DIR per image NAME.json
(the full prediction: also each face's heat maps and parse, and the parse over the whole
photo) and NAME.html (a self-contained report: the photo with its faces boxed and its
parse, and per face the aligned crop, parse overlay, attribute bars, each attribute's
heat map and region weights on click).
`;

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('find the faces in photos and predict their 40 attributes, with the parse, heat maps and region weights (spec §10)')
    .argument('[images...]', 'image files (JPEG, PNG, WebP, …); none: the sample faces shipped with the model')
    .option('--run <dir>', 'model bundle directory (bundle.json + weights.safetensors); default: the shipped model, packages/facet/models/default')
    .option(
      '--runtime <name>',
      'torch (libtorch) | onnx (onnxruntime-node; libtorch is never loaded); default torch, or onnx with --onnx',
      oneOf('--runtime', ['torch', 'onnx'] as const),
    )
    .option('--onnx <file>', 'an exported model (facet export onnx) to run on onnxruntime instead of exporting the bundle in memory')
    .option('--aligned', "the images are aligned face crops (as CelebA's): no face detection, the whole image is the face")
    .option('--max-faces <n>', 'faces predicted per photo at most, largest first', int('--max-faces', 1), 8)
    .option('--json', 'print one JSON object per image, one line each')
    .option('--out <dir>', 'write NAME.json (full prediction) and NAME.html (self-contained report) per image')
    .option('--threads <n>', 'intra-op threads of the runtime', threads('--threads'))
    .option('--device <d>', `--runtime torch: ${DEVICE_HELP}`, parseDeviceOption)
    .option('--precision <p>', `--runtime torch: ${PRECISION_HELP}`, oneOf('--precision', PRECISIONS))
    .option('--batch <n>', 'faces per forward pass', int('--batch', 1), 8)
    .option('--top <n>', 'table: how many attributes to list per face', int('--top', 1), 10)
    .addHelpText('after', RESIZE_NOTE)
    .action(async (images: string[], o: PredictCliOptions) => {
      process.exitCode = await runPredict(images, o);
    });
}

/**
 * Runs the command; returns the exit code (0: every image predicted, 1: some could not
 * be read or had no face). Model and detector errors throw.
 */
export async function runPredict(
  images: string[],
  o: PredictCliOptions,
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const { Predictor, isFailure, toJson } = await import('../../infer/predict.js');
  const opts: Parameters<typeof Predictor.open>[0] = { batch: o.batch, align: o.aligned ? 'aligned' : 'detect' };
  if (o.run !== undefined) opts.run = o.run;
  if (o.runtime !== undefined) opts.runtime = o.runtime;
  if (o.onnx !== undefined) opts.onnx = o.onnx;
  if (o.threads !== undefined) opts.threads = o.threads;
  if (o.precision !== undefined) opts.precision = o.precision;
  if (o.maxFaces !== undefined) opts.maxFaces = o.maxFaces;
  if (o.device !== undefined) opts.device = o.device;
  if (images.length === 0) {
    const { resolveModelDir, sampleImages } = await import('../../infer/default_model.js');
    images = sampleImages(resolveModelDir(o.run));
    // CelebA's and LFW's photos are licensed for non-commercial research only: the package
    // ships synthetic faces, and says so, rather than real ones
    err(
      `facet predict: no images given; predicting the ${images.length} sample faces shipped with the model. They are synthetic (drawn by facet's generator): ` +
        'real research photos cannot ship in the package. They are aligned crops, so no face is looked for (as --aligned). Pass your own photos to see it on real faces.',
    );
    opts.align = 'aligned';
  }
  const predictor = await Predictor.open(opts);
  let failed = 0;
  const names = new OutputNames();
  try {
    for (let start = 0; start < images.length; start += o.batch) {
      const results = await predictor.predict(images.slice(start, start + o.batch));
      for (const r of results) {
        if (isFailure(r)) {
          failed++;
          err(`facet predict: ${r.error.startsWith(r.image) ? r.error : `${r.image}: ${r.error}`}`);
          continue;
        }
        if (r.faces.length === 0) {
          failed++;
          err(`facet predict: ${r.image}: ${r.note ?? 'no face found'}`);
        }
        let files: { json: string; html: string } | null = null;
        if (o.out !== undefined) {
          try {
            files = await writeOutputs(r, o.out, names.next(r.image), { model: predictor.source, description: predictor.config.description });
          } catch (e) {
            failed++;
            err(`facet predict: ${r.image}: cannot write the report (${(e as Error).message})`);
          }
        }
        if (o.json) out(JSON.stringify(toJson(r)));
        else out(formatTable(r, o.top, files));
      }
    }
  } finally {
    await predictor.dispose();
  }
  return failed ? 1 : 0;
}

/** NAME.json and NAME.html under dir, each written atomically. */
async function writeOutputs(
  r: PredictionResult,
  dir: string,
  stem: string,
  report: { model: string; description?: string | undefined },
): Promise<{ json: string; html: string }> {
  const { mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { writeFileAtomic } = await import('@facet/torch/write-file-atomic');
  const { toJson } = await import('../../infer/predict.js');
  const { renderReportHtml } = await import('../../infer/report_html.js');
  mkdirSync(dir, { recursive: true });
  const enc = new TextEncoder();
  const json = join(dir, `${stem}.json`);
  const html = join(dir, `${stem}.html`);
  writeFileAtomic(json, enc.encode(JSON.stringify(toJson(r, { full: true })) + '\n'));
  const opts: { model: string; description?: string } = { model: report.model };
  if (report.description !== undefined) opts.description = report.description;
  writeFileAtomic(html, enc.encode(await renderReportHtml(r, opts)));
  return { json, html };
}

/** File stems from image names: the base name without its extension, made unique (a-2, a-3, …). */
export class OutputNames {
  private readonly used = new Set<string>();
  next(image: string): string {
    const base = (image.split(/[\\/]/).pop() ?? image).replace(/\.[^.]*$/, '');
    const clean = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'image';
    let stem = clean;
    for (let k = 2; this.used.has(stem); k++) stem = `${clean}-${k}`;
    this.used.add(stem);
    return stem;
  }
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `width` cells for x in [0, 1], in eighths of a cell. */
export function bar(x: number, width = 20): string {
  const e = Math.round(Math.min(Math.max(x, 0), 1) * width * 8);
  const full = Math.floor(e / 8);
  return ('█'.repeat(full) + EIGHTHS[e % 8]!).padEnd(width, ' ');
}

export function formatTable(r: PredictionResult, top: number, files: { json: string; html: string } | null = null): string {
  const A = r.attributeNames.length;
  const size = `${r.size.width}×${r.size.height}`;
  const n = r.faces.length;
  const { width: W, height: H } = r.inputSize;
  const lines = [
    r.align === 'detect'
      ? `${r.image}  ${size}  ${n === 0 ? 'no face found' : `${n} face${n > 1 ? 's' : ''}`}  [${r.runtime}]`
      : `${r.image}  ${size}${r.size.width !== W || r.size.height !== H ? ` → ${W}×${H} (cover + centre crop)` : ''}  [${r.runtime}, aligned crop]`,
  ];
  const nameW = Math.max(...r.attributeNames.map((x) => x.length));
  for (const [i, f] of r.faces.entries()) {
    if (r.align === 'detect') {
      const b = f.box;
      lines.push(
        `  face ${i + 1}: box ${Math.round(b.width)}×${Math.round(b.height)} at (${Math.round(b.x)}, ${Math.round(b.y)}), score ${f.score!.toFixed(2)} → aligned ${f.aligned!.width}×${f.aligned!.height} → ${W}×${H}`,
      );
    }
    const pad = r.align === 'detect' ? '    ' : '  ';
    const order = r.attributeNames.map((_, a) => a).sort((a, b) => f.probabilities[b]! - f.probabilities[a]!);
    const tops = topRegions(f.regionWeights, A, r.regionNames.length);
    for (const a of order.slice(0, top)) {
      const best = tops[a]!;
      const p = f.probabilities[a]!;
      lines.push(`${pad}${r.attributeNames[a]!.padEnd(nameW)}  ${p.toFixed(3)} ${bar(p)}  ${r.regionNames[best]} ${f.regionWeights[best * A + a]!.toFixed(2)}`);
    }
    if (top < A) lines.push(`${pad}… ${A - top} more (--top ${A} lists all)`);
    const regions = r.regionNames
      .map((x, k) => ({ n: x, f: f.regionFractions[k]! }))
      .filter((x) => x.f > 0)
      .sort((a, b) => b.f - a.f);
    lines.push(`${pad}regions: ${regions.map((x) => `${x.n} ${(100 * x.f).toFixed(1)}%`).join(' · ')}`);
  }
  if (files) lines.push(`  wrote ${files.json}, ${files.html}`);
  return lines.join('\n');
}
