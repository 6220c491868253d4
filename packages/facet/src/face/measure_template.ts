/**
 * Measuring the alignment template: run the face detector over CelebA's own aligned faces
 * and average where each of the five landmarks (face/mesh_regions.ts fivePoints) falls in
 * the 178×218 frame. The template is what facet's detector sees on CelebA's crops, so a
 * photo aligned to it lands where CelebA's alignment put its faces, as facet measures.
 * `scripts/measure-align-template.ts` runs this and writes face/celeba_template.ts.
 */
import { resolve } from 'node:path';
import { readCelebA } from '../data/celeba.js';
import { DataError } from '../data/errors.js';
import { loadImage } from '../data/image.js';
import type { Split } from '../data/types.js';
import type { AlignTemplate, TemplatePoint } from './align.js';
import { FaceDetector } from './human.js';
import { findFace, selectItems } from './labeller.js';
import { fivePoints } from './mesh_regions.js';

export const FRAME = { width: 178, height: 218 } as const;
const POINT_NAMES = ['lefteye', 'righteye', 'nose', 'leftmouth', 'rightmouth'] as const;

export interface MeasureOptions {
  /** default 'train' */
  split?: Split | 'all';
  /** the first N faces of the split, by id (default: all) */
  limit?: number;
  detector?: FaceDetector;
  onProgress?: (done: number, total: number) => void;
}

export interface TemplateMeasurement extends AlignTemplate {
  /** ids where no centred face was found */
  missed: string[];
}

/** Mean and spread of the five landmarks over a CelebA folder's aligned faces (any size of the frame's aspect). */
export async function measureTemplate(dir: string, o: MeasureOptions = {}): Promise<TemplateMeasurement> {
  const split = o.split ?? 'train';
  const items = selectItems(readCelebA(dir, { regionsDir: false }).items(), split, o.limit);
  if (items.length === 0) throw new DataError({ file: dir }, `no aligned faces in the ${split} split`);
  const detector = o.detector ?? (await FaceDetector.load());
  const sum = new Float64Array(10);
  const sq = new Float64Array(10);
  const missed: string[] = [];
  let n = 0;
  try {
    for (const [i, it] of items.entries()) {
      const img = await loadImage(it.imagePath, it);
      const scale = FRAME.width / img.width;
      if (Math.abs(img.height * scale - FRAME.height) > 1) {
        throw new DataError({ file: it.imagePath }, `${img.width}×${img.height} is not an aligned CelebA face (178×218 or a scale of it)`);
      }
      const { found } = await findFace(detector, img, true);
      if (!found) missed.push(it.id);
      else {
        const p = fivePoints(found.face.mesh);
        for (let k = 0; k < 10; k++) {
          const v = p[k]! * scale;
          sum[k]! += v;
          sq[k]! += v * v;
        }
        n++;
      }
      o.onProgress?.(i + 1, items.length);
    }
  } finally {
    if (!o.detector) detector.dispose();
  }
  if (n < 2) throw new DataError({ file: dir }, `the detector found ${n} face(s) in ${items.length} images; too few to measure`);
  const mean = (k: number) => sum[k]! / n;
  const sd = (k: number) => Math.sqrt(Math.max(0, sq[k]! / n - mean(k) ** 2) * (n / (n - 1)));
  const r = (v: number) => Number(v.toFixed(2));
  const points: TemplatePoint[] = POINT_NAMES.map((name, j) => ({ name, x: r(mean(2 * j)), y: r(mean(2 * j + 1)), sdX: r(sd(2 * j)), sdY: r(sd(2 * j + 1)) }));
  return {
    frame: { ...FRAME },
    points,
    measured: {
      faces: n,
      source: `${resolve(dir)}, ${split === 'all' ? 'all splits' : `${split} split`}${o.limit ? `, first ${o.limit} by id` : ''}`,
      date: new Date().toISOString().slice(0, 10),
      detector: `Human ${detector.humanVersion} (BlazeFace + FaceMesh), tfjs ${detector.tfjsVersion} ${detector.backend}`,
    },
    missed,
  };
}

const quote = (s: string): string => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** face/celeba_template.ts for a measurement. */
export function templateModule(m: TemplateMeasurement, command: string): string {
  const points = m.points.map((p) => `    { name: '${p.name}', x: ${p.x}, y: ${p.y}, sdX: ${p.sdX}, sdY: ${p.sdY} },`).join('\n');
  return `// Written by scripts/measure-align-template.ts; measure again rather than edit:
//   ${command}
/**
 * CelebA's aligned frame (178×218) and the mean position in it of CelebA's five landmarks
 * as facet detects them (BlazeFace + FaceMesh, face/mesh_regions.ts fivePoints), over
 * ${m.measured.faces} of CelebA's own aligned faces (${m.missed.length} without a face found), measured ${m.measured.date}
 * with ${m.measured.detector}.
 * Coordinates are continuous (0 = the frame's left/top edge); sd is the spread over the
 * faces (detector noise and CelebA's own alignment together). "left" is the image's left.
 */
import type { AlignTemplate } from './align.js';

export const CELEBA_TEMPLATE: AlignTemplate = {
  frame: { width: ${m.frame.width}, height: ${m.frame.height} },
  points: [
${points}
  ],
  measured: {
    faces: ${m.measured.faces},
    source: ${quote(m.measured.source.replace(/^.*\/(shared\/data\/)/, '../$1'))},
    date: ${quote(m.measured.date)},
    detector: ${quote(m.measured.detector)},
  },
};
`;
}
