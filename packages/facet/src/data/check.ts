/** Validating a data set: read it, decode every image and mask, count. */
import { DataError, problemFrom, type DataProblem } from './errors.js';
import { checkMaskSize, loadImage, loadMask, mapLimit } from './image.js';
import { findCelebAFiles, type CelebALayout } from './celeba.js';
import { openDataset, type OpenOptions } from './detect.js';
import { SPLITS, type FaceDataset, type Split } from './types.js';

export interface CheckReport {
  name: string;
  format: string;
  root: string;
  /** CelebA: aligned crops (img_align_celeba) or in-the-wild photos (img_celeba) */
  layout?: CelebALayout;
  /** items (images) in the data set */
  images: number;
  /** items with attribute labels */
  labelled: number;
  /** items with a mask */
  masks: number;
  perSplit: Record<Split | 'none', number>;
  labelledPerSplit: Record<Split | 'none', number>;
  /** attribute → number of labelled items where it is 1 */
  positives: Record<string, number>;
  /** images and masks decoded without error */
  decoded: number;
  problems: DataProblem[];
  seconds: number;
}

export interface CheckOptions {
  /** decodes in flight (default 8) */
  concurrency?: number;
  /** skip decoding (counts and annotation checks only) */
  noDecode?: boolean;
  onProgress?: (done: number, total: number) => void;
}

function toProblem(e: unknown, item: string): DataProblem {
  if (e instanceof DataError) return problemFrom(e, item);
  const msg = (e as Error)?.message ?? String(e);
  return { file: item, item, reason: msg, message: `${item}: ${msg}` };
}

export async function checkDataset(ds: FaceDataset, opts: CheckOptions = {}): Promise<CheckReport> {
  const t0 = Date.now();
  const items = ds.items();
  const zero = (): Record<Split | 'none', number> => ({ train: 0, val: 0, test: 0, none: 0 });
  const report: CheckReport = {
    name: ds.name,
    format: ds.format,
    root: ds.root,
    images: items.length,
    labelled: 0,
    masks: 0,
    perSplit: zero(),
    labelledPerSplit: zero(),
    positives: Object.fromEntries(ds.attributeNames.map((a) => [a, 0])),
    decoded: 0,
    problems: [...ds.problems],
    seconds: 0,
  };
  for (const it of items) {
    const s = it.split ?? 'none';
    report.perSplit[s]++;
    if (it.mask) report.masks++;
    if (it.attributes) {
      report.labelled++;
      report.labelledPerSplit[s]++;
      ds.attributeNames.forEach((a, k) => {
        if (it.attributes![k]) report.positives[a]!++;
      });
    }
  }
  if (!opts.noDecode) {
    let done = 0;
    await mapLimit(items, opts.concurrency ?? 8, async (it) => {
      try {
        const img = await loadImage(it.imagePath, it);
        const m = await loadMask(it);
        if (m) checkMaskSize(it, img, m);
        report.decoded++;
      } catch (e) {
        report.problems.push(toProblem(e, it.id));
      }
      opts.onProgress?.(++done, items.length);
    });
  }
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}

/** Opens (collecting every bad row instead of stopping at the first) and checks a directory. */
export async function checkDirectory(dir: string, opts: OpenOptions & CheckOptions = {}): Promise<CheckReport> {
  const ds = openDataset(dir, { ...opts, skipBad: true });
  const report = await checkDataset(ds, opts);
  const layout = ds.format === 'celeba' ? findCelebAFiles(dir).layout : undefined;
  return layout ? { ...report, layout } : report;
}

export function formatCheckReport(r: CheckReport): string {
  const lines: string[] = [];
  lines.push(`${r.name} (${r.format}) at ${r.root}`);
  if (r.layout === 'in-the-wild') lines.push('in-the-wild photos (Img/img_celeba), not aligned crops: facet predict finds and aligns their faces');
  lines.push(`images: ${r.images}  labelled: ${r.labelled}  masks: ${r.masks}  decoded: ${r.decoded}  (${r.seconds.toFixed(1)} s)`);
  const sp = (x: Record<string, number>) => SPLITS.map((s) => `${s} ${x[s]}`).join(', ') + (x.none ? `, no split ${x.none}` : '');
  lines.push(`per split: ${sp(r.perSplit)}`);
  if (r.labelled) lines.push(`labelled per split: ${sp(r.labelledPerSplit)}`);
  const attrs = Object.keys(r.positives);
  if (attrs.length && r.labelled) {
    lines.push('positives per attribute:');
    const w = Math.max(...attrs.map((a) => a.length));
    for (const a of attrs) {
      const p = r.positives[a]!;
      lines.push(`  ${a.padEnd(w)} ${String(p).padStart(7)}  ${((100 * p) / r.labelled).toFixed(1).padStart(5)} %`);
    }
  }
  for (const p of r.problems) lines.push(`problem: ${p.message}`);
  lines.push(`${r.problems.length} problem(s)`);
  return lines.join('\n');
}
