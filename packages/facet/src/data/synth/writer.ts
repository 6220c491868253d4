/**
 * Writes synthetic faces in CelebA's layout (Img/img_align_celeba, Anno/*, Eval/*) and
 * Helen's layout (images/ as hard links to the same JPEGs, labels/NAME/NAME_lblXX.png,
 * exemplars/tuning/testing.txt), plus regions/NAME.png (single-channel region indices)
 * and synth.json. Same seed, count and size → same bytes.
 */
import { copyFileSync, linkSync, mkdirSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { CELEBA_ATTRIBUTES } from '../attributes.js';
import { REGION_NAMES } from '../../regions.js';
import { NUM_HELEN_LABELS } from '../label_sets.js';
import { mapLimit } from '../image.js';
import { LANDMARK_NAMES, type Split } from '../types.js';
import { DRAWN_ATTRIBUTES, RANDOM_ATTRIBUTES } from './attributes.js';
import { renderFace, type SynthFace } from './draw.js';
import { mixSeed } from './prng.js';
import { encodeGrayPngSync } from './png.js';

export interface SynthOptions {
  out: string;
  count: number;
  seed: number;
  /** image width (default 178) */
  width?: number;
  /** image height (default 218) */
  height?: number;
  /** write Helen's 11 label maps per face (default true) */
  helen?: boolean;
  jpegQuality?: number;
  /** encodes in flight (default 4) */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthMeta {
  generator: 'facet synth';
  /** 2: facial hair colour independent of the hair's, a forehead above the brows (data/synth/face.ts, draw.ts) */
  version: 2;
  seed: number;
  count: number;
  width: number;
  height: number;
  jpegQuality: number;
  splits: Record<Split, number>;
  regions: readonly string[];
  /** attribute → region index it is drawn in */
  drawn: Record<string, { region: number; regionName: string }>;
  /** attributes drawn nowhere: random labels, unlearnable */
  random: string[];
  helen: boolean;
  notes: string[];
}

export function synthName(i: number): string {
  return String(i + 1).padStart(6, '0');
}

/** Split of image i (0-based) of n: the first ~80 % train, ~10 % val, the rest test. */
export function synthSplits(n: number): Record<Split, number> {
  const train = Math.round(n * 0.8);
  const val = Math.round(n * 0.1);
  return { train, val, test: n - train - val };
}

/** Identity of image i: ~4 images per identity, identities never cross splits. */
export function synthIdentity(i: number, n: number): number {
  const s = synthSplits(n);
  const bounds = [0, s.train, s.train + s.val, n];
  let base = 0;
  for (let k = 0; k < 3; k++) {
    const size = bounds[k + 1]! - bounds[k]!;
    const ids = Math.max(1, Math.ceil(size / 4));
    if (i < bounds[k + 1]!) return base + ((i - bounds[k]!) % ids) + 1;
    base += ids;
  }
  return base;
}

export function splitOf(i: number, n: number): Split {
  const s = synthSplits(n);
  return i < s.train ? 'train' : i < s.train + s.val ? 'val' : 'test';
}

/** Renders face i (0-based) of a synthetic set; a pure function of its arguments. */
export function synthFace(seed: number, i: number, count: number, width = 178, height = 218): SynthFace {
  return renderFace({ seed: mixSeed('facet-synth', seed), identity: synthIdentity(i, count), index: i, width, height });
}

export async function encodeJpeg(f: { rgb: Uint8Array; width: number; height: number }, quality = 90): Promise<Buffer> {
  return sharp(Buffer.from(f.rgb.buffer, f.rgb.byteOffset, f.rgb.length), { raw: { width: f.width, height: f.height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

export async function encodeGrayPng(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  return encodeGrayPngSync(data, width, height);
}

export async function writeSynth(opts: SynthOptions): Promise<SynthMeta> {
  const { out, count, seed } = opts;
  const width = opts.width ?? 178;
  const height = opts.height ?? 218;
  const quality = opts.jpegQuality ?? 90;
  const helen = opts.helen ?? true;
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${count}`);
  const dirs = ['Img/img_align_celeba', 'Anno', 'Eval', 'regions'];
  if (helen) dirs.push('images', 'labels');
  for (const d of dirs) mkdirSync(join(out, d), { recursive: true });

  const attrRows: string[] = new Array(count);
  const lmRows: string[] = new Array(count);
  const bboxRows: string[] = new Array(count);
  const idRows: string[] = new Array(count);
  const partRows: string[] = new Array(count);
  const helenLists: Record<Split, string[]> = { train: [], val: [], test: [] };
  let done = 0;
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    opts.concurrency ?? 4,
    async (i) => {
      const name = synthName(i);
      const file = name + '.jpg';
      const f = synthFace(seed, i, count, width, height);
      const jpgPath = join(out, 'Img/img_align_celeba', file);
      const writes: Promise<void>[] = [];
      writes.push(encodeJpeg(f, quality).then((b) => writeFileSync(jpgPath, b)));
      writes.push(encodeGrayPng(f.regions, width, height).then((b) => writeFileSync(join(out, 'regions', name + '.png'), b)));
      if (helen) {
        mkdirSync(join(out, 'labels', name), { recursive: true });
        const n = width * height;
        for (let k = 0; k < NUM_HELEN_LABELS; k++) {
          const m = new Uint8Array(n);
          for (let p = 0; p < n; p++) if (f.helen[p] === k) m[p] = 255;
          writes.push(encodeGrayPng(m, width, height).then((b) => writeFileSync(join(out, 'labels', name, `${name}_lbl${String(k).padStart(2, '0')}.png`), b)));
        }
      }
      await Promise.all(writes);
      if (helen) {
        const link = join(out, 'images', file);
        if (existsSync(link)) unlinkSync(link);
        try {
          linkSync(jpgPath, link);
        } catch {
          copyFileSync(jpgPath, link);
        }
      }
      const vals = CELEBA_ATTRIBUTES.map((a) => (f.attrs[a] ? ' 1' : '-1'));
      attrRows[i] = `${file} ${vals.join(' ')}`;
      lmRows[i] = `${file} ${f.landmarks.map((v) => String(v).padStart(5)).join('')}`;
      bboxRows[i] = `${file} ${[f.bbox.x, f.bbox.y, f.bbox.width, f.bbox.height].map((v) => String(v).padStart(5)).join('')}`;
      const split = splitOf(i, count);
      partRows[i] = `${file} ${split === 'train' ? 0 : split === 'val' ? 1 : 2}`;
      idRows[i] = `${file} ${synthIdentity(i, count)}`;
      opts.onProgress?.(++done, count);
    },
  );
  for (let i = 0; i < count; i++) helenLists[splitOf(i, count)].push(synthName(i));

  const nl = (rows: string[]) => rows.join('\n') + '\n';
  writeFileSync(join(out, 'Anno/list_attr_celeba.txt'), nl([String(count), CELEBA_ATTRIBUTES.join(' '), ...attrRows]));
  writeFileSync(join(out, 'Anno/list_landmarks_align_celeba.txt'), nl([String(count), LANDMARK_NAMES.join(' '), ...lmRows]));
  writeFileSync(join(out, 'Anno/list_bbox_celeba.txt'), nl([String(count), 'image_id x_1 y_1 width height', ...bboxRows]));
  writeFileSync(join(out, 'Anno/identity_CelebA.txt'), nl(idRows));
  writeFileSync(join(out, 'Eval/list_eval_partition.txt'), nl(partRows));
  if (helen) {
    const lists: [Split, string][] = [
      ['train', 'exemplars.txt'],
      ['val', 'tuning.txt'],
      ['test', 'testing.txt'],
    ];
    for (const [s, f] of lists) writeFileSync(join(out, f), helenLists[s].map((n, k) => `${k + 1} , ${n}`).join('\n') + (helenLists[s].length ? '\n' : ''));
  }
  const meta: SynthMeta = {
    generator: 'facet synth',
    version: 2,
    seed,
    count,
    width,
    height,
    jpegQuality: quality,
    splits: synthSplits(count),
    regions: REGION_NAMES,
    drawn: Object.fromEntries(Object.entries(DRAWN_ATTRIBUTES).map(([a, r]) => [a, { region: r!, regionName: REGION_NAMES[r!]! }])),
    random: [...RANDOM_ATTRIBUTES],
    helen,
    notes: [
      'regions: 0 background, 1 hair, 2 face skin, 3 eyes, 4 eyebrows, 5 mouth, 6 nose',
      'regions/NAME.png holds region indices; labels/NAME/NAME_lblXX.png the 11 Helen maps (255 where the label is, argmax = label)',
      'eyeglass lenses and rims are labelled eyes; moustache (upper lip) and goatee (lower lip) are labelled mouth; ears and neck are background',
      'the random attributes are drawn nowhere: independent coin flips',
    ],
  };
  writeFileSync(join(out, 'synth.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}
