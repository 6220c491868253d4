// `facet eval` of a bundle on in-the-wild photos (CelebA's Img/img_celeba layout): each
// photo goes through what `facet predict` does with it — faces found and aligned as
// CelebA's crops are (face/find_faces.ts), the network on each — and the largest face's
// answer is scored against the photo's labels. Photos where no face is found have no
// answer: they are counted and named, and left out of the metrics (as `facet eval-wild`
// reports them). Nothing is cached: one pass over the split, one detection per photo.
import type { FaceItem } from '../data/types.js';
import { isFailure, Predictor } from '../infer/predict.js';
import { attributeMetrics, type AttributeReport } from './metrics.js';

export interface PhotoFacesFound {
  photos: number;
  /** photos where a face was found (the largest is scored) */
  withFace: number;
  /** the photos without a face, by id */
  noFace: string[];
}

export interface PhotoEvaluation {
  attributes: AttributeReport;
  faces: PhotoFacesFound;
}

/** The largest face of each photo through the bundle's predictor, scored against the photos' labels. */
export async function evaluatePhotos(
  bundleDir: string, items: readonly FaceItem[], attributeNames: readonly string[], trainPrevalence: Float64Array | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<PhotoEvaluation> {
  const labelled = items.filter((i) => i.attributes);
  const a = attributeNames.length;
  const predictor = await Predictor.open({ run: bundleDir, align: 'detect', batch: 1 });
  try {
    const probs: Float32Array[] = [];
    const labels: Uint8Array[] = [];
    const noFace: string[] = [];
    for (const [k, item] of labelled.entries()) {
      const r = (await predictor.predict([item.imagePath]))[0]!;
      if (isFailure(r)) throw new Error(`${item.imagePath}: ${r.error}`);
      if (r.faces.length === 0) noFace.push(item.id);
      else {
        probs.push(r.faces[0]!.probabilities);
        labels.push(item.attributes!);
      }
      onProgress?.(k + 1, labelled.length);
    }
    if (probs.length === 0) throw new Error(`no face found in any of the ${labelled.length} photos: nothing to score`);
    const p = new Float32Array(probs.length * a);
    const l = new Uint8Array(probs.length * a);
    probs.forEach((row, i) => p.set(row, i * a));
    labels.forEach((row, i) => l.set(row, i * a));
    return {
      attributes: attributeMetrics(p, l, attributeNames, { trainPrevalence }),
      faces: { photos: labelled.length, withFace: probs.length, noFace },
    };
  } finally {
    await predictor.dispose();
  }
}
