/** `facet label DIR --out OUT`: pseudo-label masks and landmarks for real faces, from FaceMesh. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { DataError } from '../../data/errors.js';
import { SPLITS, type Split } from '../../data/types.js';
import { labelFaces } from '../../face/labeller.js';
import { writeLabelFigure } from '../../face/label_figure.js';
import { int, oneOf, probabilityAbove } from '../options.js';

export interface LabelCliOptions {
  out: string;
  limit?: number;
  split?: Split | 'all';
  iris?: boolean;
  /** commander's --no-centre */
  centre?: boolean;
  figure?: string;
  quiet?: boolean;
}

/** Runs the command; returns the exit code. `log` gets the summary and progress lines. */
export async function runLabel(dir: string, o: LabelCliOptions, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  const tty = !o.quiet && process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: 'label {value}/{total} | found {found} | ETA {eta_formatted}', etaBuffer: 200, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  try {
    const s = await labelFaces({
      source: dir,
      out: o.out,
      split: o.split ?? 'all',
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      iris: o.iris ?? false,
      centred: o.centre ?? true,
      onProgress: (done, total, found) => {
        if (bar) {
          if (!started) bar.start(total, 0, { found: 0 });
          started = true;
          bar.update(done, { found });
        } else if (!o.quiet && (done % 1000 === 0 || done === total)) {
          log(`  ${done}/${total} (${found} found)`);
        }
      },
    });
    bar?.stop();
    const m = s.manifest;
    const ms = s.msPerFace === null ? 'n/a' : `${s.msPerFace.toFixed(1)} ms per face (detector ${s.msDetect!.toFixed(1)} ms)`;
    const resumed = s.resumed ? `, ${s.resumed} done before` : '';
    log(
      `faces labelled: ${s.labelledNow}, faces missed: ${s.missedNow.length} of ${s.selected} selected${resumed}; ${ms}; ` +
        `${o.out} now holds ${m.counts.labelled} labelled, ${m.counts.missed} missed (${m.counts.offCentre} with faces only off the centre), ${m.counts.upsampled} found only at ×2`,
    );
    if (s.missedNow.length && !o.quiet)
      log(`missed: ${s.missedNow.slice(0, 20).join(' ')}${s.missedNow.length > 20 ? ` … (all in ${o.out}/labels.json)` : ''}`);
    if (o.figure) {
      const ids = await writeLabelFigure(o.out, o.figure, { title: `facet label: FaceMesh pseudo-labels (${m.counts.labelled} faces of ${m.source.given})` });
      log(`figure: ${o.figure} (${ids.length} faces)`);
    }
    return 0;
  } catch (e) {
    bar?.stop();
    return dataErrorExit(e, log);
  }
}

/** A data error (a file, line or field named) is the user's to fix: said in one line, exit code 1; anything else is thrown on. */
function dataErrorExit(e: unknown, log: (s: string) => void): number {
  if (!(e instanceof DataError)) throw e;
  log(`error: ${e.message}`);
  return 1;
}

export function registerLabelCommand(program: Command): Command {
  return program
    .command('label')
    .description(
      'write pseudo-label face maps (hair_or_background, skin, eyes, eyebrows, mouth, nose) and five landmarks for the faces of a CelebA-layout folder, from BlazeFace + FaceMesh; resumable',
    )
    .argument('<dir>', 'CelebA-layout folder (any image size; images are read in place, never copied)')
    .requiredOption('--out <dir>', 'output folder: labels.json, masks/, Anno/list_landmarks_align_celeba.txt')
    .option('--limit <n>', 'label only the first N images of the selection (by file name)', int('--limit', 1))
    .option('--split <split>', 'train | val | test | all', oneOf('--split', [...SPLITS, 'all'] as const), 'all')
    .option('--iris', 'eye centres from the iris model (slower)')
    .option('--no-centre', 'take the best face anywhere in the image (default: only a face whose box covers the image centre, as in aligned crops)')
    .option('--figure <file.png>', 'also draw a dozen labelled faces with their maps')
    .option('--quiet', 'no progress output')
    .action(async (dir: string, o: LabelCliOptions) => {
      process.exitCode = await runLabel(dir, o);
    });
}

export interface ResolveLabelsCliOptions {
  parser: string;
  out: string;
  minConfidence?: number;
  /** commander's --no-flip-average */
  flipAverage?: boolean;
  cacheDir?: string;
  figure?: string;
  quiet?: boolean;
}

/** `facet resolve-labels LABELS --parser RUN --out OUT`: a parser settles the pseudo-labels' coarse classes where it is sure. */
export async function runResolveLabels(
  dir: string,
  o: ResolveLabelsCliOptions,
  log: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const { resolveLabels } = await import('../../infer/resolve_labels.js');
  try {
    const s = await resolveLabels({
      labels: dir,
      parserRun: o.parser,
      out: o.out,
      ...(o.minConfidence !== undefined ? { minConfidence: o.minConfidence } : {}),
      flipAverage: o.flipAverage ?? true,
      cacheDir: o.cacheDir,
      onProgress: (done, total) => {
        if (!o.quiet && (done % 1000 === 0 || done === total)) log(`  ${done}/${total}`);
      },
    });
    const settled = Object.entries(s.resolved)
      .map(([name, k]) => `${name} ${((100 * k) / Math.max(1, s.coarsePixels)).toFixed(1)} %`)
      .join(', ');
    log(
      `${s.faces} faces: of ${s.coarsePixels} pixels of a class spanning several regions, settled as ${settled || 'none'}; label set now ${s.labelSet.names.join(', ')}`,
    );
    if (o.figure) {
      const ids = await writeLabelFigure(o.out, o.figure, { title: `facet resolve-labels: ${dir} settled by ${o.parser}` });
      log(`figure: ${o.figure} (${ids.length} faces)`);
    }
    return 0;
  } catch (e) {
    return dataErrorExit(e, log);
  }
}

export function registerResolveLabelsCommand(program: Command): Command {
  return program
    .command('resolve-labels')
    .description(
      "self-training: a trained parser settles a `facet label` folder's coarse classes (hair_or_background) where it is sure; writes a new labels folder over the same images",
    )
    .argument('<labels>', 'a folder written by `facet label`')
    .requiredOption('--parser <run>', 'a parser run (its best weights)')
    .requiredOption('--out <dir>', 'the new labels folder')
    .option(
      '--min-confidence <p>',
      "the parser's least probability of one region for a pixel to take it (default 0.9)",
      probabilityAbove('--min-confidence', 0.5),
    )
    .option('--no-flip-average', "decide on the parser's single parse, not averaged with the mirror view's")
    .option('--cache-dir <dir>', 'where decoded images are cached (default $FACET_CACHE or ~/.cache/facet)')
    .option('--figure <file.png>', 'also draw a dozen faces with their settled maps')
    .option('--quiet', 'no progress output')
    .action(async (dir: string, o: ResolveLabelsCliOptions) => {
      process.exitCode = await runResolveLabels(dir, o);
    });
}
