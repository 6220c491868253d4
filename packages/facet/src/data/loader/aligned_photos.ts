// In-the-wild photos (CelebA's Img/img_celeba layout) for training and evaluation: each
// photo goes through the detect-and-align step `facet predict` uses (face/faces_in_photo.ts)
// once, and its largest face's aligned 178×218 crop is kept as a PNG in the cache, named
// by a hash of the photo's bytes (a renamed or copied photo is not aligned again; an
// edited one is). The split then reads the crops like any aligned CelebA folder, so the
// store, the fit rule and the loaders are unchanged. A photo without a face is left out
// of the split (and named); its "no face" is cached too. Each crop's landmarks are the
// detected ones carried into the frame (CelebA's pixel-index convention), for BBox.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import type { FaceItem } from '../types.js';
import type { FaceDetector } from '../../face/human.js';

/** Changes when the aligned crops would differ (template, detector settings, the retry): older crops are not reused. */
const ALIGNED_VERSION = 1;

interface Sidecar {
  version: number;
  /** the photo had a face: its crop is beside this file */
  face: boolean;
  /** CelebA's five landmarks in the crop, pixel indices */
  landmarks?: number[];
}

export interface AlignedPhotos {
  /** per item given, in order: the item reading its aligned crop, or null (no face) */
  items: Array<FaceItem | null>;
  /** ids of the photos without a face (left out) */
  noFace: string[];
  /** photos aligned now (the others came from the cache) */
  aligned: number;
}

/** The items with their photos replaced by aligned crops of their largest face (cached by content); null where a photo has no face. */
export async function alignPhotoItems(
  items: readonly FaceItem[],
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<AlignedPhotos> {
  const dir = join(cacheDir, 'aligned');
  mkdirSync(dir, { recursive: true });
  let detector: FaceDetector | null = null;
  const out: Array<FaceItem | null> = [];
  const noFace: string[] = [];
  let aligned = 0;
  try {
    for (const [k, item] of items.entries()) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(item.imagePath));
      } catch (e) {
        throw new Error(`${item.imagePath}: cannot read the photo (${(e as Error).message})`, { cause: e });
      }
      const key = createHash('sha256').update(`facet-aligned-v${ALIGNED_VERSION}\0`).update(bytes).digest('hex').slice(0, 32);
      const png = join(dir, `${key}.png`);
      const meta = join(dir, `${key}.json`);
      let side: Sidecar | null = existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as Sidecar) : null;
      if (!side || side.version !== ALIGNED_VERSION || (side.face && !existsSync(png))) {
        if (!detector) {
          const { FaceDetector } = await import('../../face/human.js');
          detector = await FaceDetector.load({ maxFaces: 4 });
        }
        const { facesInPhoto } = await import('../../face/faces_in_photo.js');
        const found = await facesInPhoto(bytes, { detector, maxFaces: 1 }).catch((e: Error) => {
          throw new Error(`${item.imagePath}: ${e.message.replace(/^<upload>: /, '')}`, { cause: e });
        });
        const f = found.faces[0];
        if (f) {
          const a = f.aligned;
          const { applySimilarity } = await import('../../face/similarity.js');
          const landmarks = [0, 1, 2, 3, 4].flatMap((i) =>
            applySimilarity(a.photoToFrame, f.landmarks[2 * i]!, f.landmarks[2 * i + 1]!).map((v) => Math.round(v - 0.5)),
          );
          writeFileAtomic(
            png,
            new Uint8Array(
              await sharp(a.rgb, { raw: { width: a.width, height: a.height, channels: 3 } })
                .png()
                .toBuffer(),
            ),
          );
          side = { version: ALIGNED_VERSION, face: true, landmarks };
        } else {
          side = { version: ALIGNED_VERSION, face: false };
        }
        writeFileAtomic(meta, new TextEncoder().encode(JSON.stringify(side)));
        aligned++;
      }
      if (side.face) {
        const next: FaceItem = { ...item, imagePath: png };
        if (side.landmarks) next.landmarks = Float32Array.from(side.landmarks);
        else delete next.landmarks;
        out.push(next);
      } else {
        out.push(null);
        noFace.push(item.id);
      }
      onProgress?.(k + 1, items.length);
    }
  } finally {
    detector?.dispose();
  }
  return { items: out, noFace, aligned };
}
