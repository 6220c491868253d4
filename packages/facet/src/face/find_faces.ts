/**
 * Any upright photo's pixels → its faces, each aligned as CelebA aligns its crops, largest
 * first; no face → an empty list. Free of Node imports: Node (face/faces_in_photo.ts, which
 * decodes with sharp) and the page (web/src/main.ts) run the same steps on the same pixels.
 * The detector and the resize for its copy of the photo are given by the caller.
 *
 * Faces are found by BlazeFace + FaceMesh, CelebA's five landmarks taken from the mesh
 * (face/mesh_regions.ts), each face warped into the 178×218 frame (face/align.ts).
 * Each face is aligned twice: the mesh found in the whole photo places it roughly, then
 * FaceMesh runs again on that aligned crop — the face upright and framed as in the
 * CelebA crops the template was measured on — and its landmarks, mapped back to the
 * photo, give the final alignment. On the 403 wild photos with an official crop this
 * brought the aligned crop's landmarks from 2.05 to 1.65 px (mean; p90 3.09 → 2.46) from
 * the official crop's, for one more detection on a 178×218 image per face.
 */
import type { Landmarks } from '../data/types.js';
import { type AlignTemplate, type AlignedFace, alignFace } from './align.js';
import { CELEBA_TEMPLATE } from './celeba_template.js';
import type { DetectedFace, FaceFinder } from './detected_face.js';
import { fivePoints } from './mesh_regions.js';
import { applySimilarity } from './similarity.js';
import type { RgbImage } from '../model_io/rgb_image.js';

/** Packed RGB resized to width×height, aspect not kept (sharp in Node, model_io/lanczos_resize.ts in the page). */
export type ResizeRgb = (img: RgbImage, width: number, height: number) => Promise<RgbImage>;

/**
 * The detector runs on a copy of the photo shrunk to this long side: BlazeFace looks at
 * the whole photo at 256×256 anyway, and FaceMesh at 192×192 per face, so larger copies
 * find nothing more and cost the int32 tensor Human is given (4 bytes per channel).
 */
export const DETECT_MAX_SIDE = 1024;
/** Photos whose long side is below this are tried again at ×2 when no face is found (as `facet label` does). */
export const UPSAMPLE_BELOW = 320;
/**
 * BlazeFace's box score below which a detection is dropped. Human's default is 0.2; on the
 * 403 wild CelebA photos with an official crop, the 8 extra detections scoring 0.21–0.27
 * were text, hair, a statue and a second box on the main face, while real second faces
 * (partly hidden, in shadow) scored 0.32 and up.
 */
export const MIN_BOX_SCORE = 0.3;
/** Faces predicted per photo at most (largest first), unless told otherwise. */
export const DEFAULT_MAX_FACES = 8;
/** Boxes asked of the detector when keeping `maxFaces`: a few more, since the filters below drop some. */
export const detectorMaxFaces = (maxFaces: number): number => maxFaces + 4;

/** A face whose box lies this much (share of its own area) inside a larger face's box is a second box on the same face. */
export const MAX_INSIDE = 0.75;

export interface PhotoFace {
  /** x, y, width, height in photo pixels (BlazeFace's box, after FaceMesh's refinement) */
  box: [number, number, number, number];
  /** Human's face score (detector and mesh together), 0..1 */
  score: number;
  /** BlazeFace's box score, 0..1 */
  boxScore: number;
  /**
   * CelebA's five landmarks in photo pixels, continuous coordinates (0 = the photo's
   * left/top edge), CelebA's order: as found again on the first aligned crop, mapped back
   * (or as found in the photo, when the second look found no face); the alignment is their fit
   */
  landmarks: Landmarks;
  /** the second look, on the aligned crop, found the face (else the photo's own landmarks were used) */
  refined: boolean;
  /** the face in CelebA's 178×218 frame, with the transforms both ways */
  aligned: AlignedFace;
}

export interface PhotoFaces {
  /** the photo as decoded upright */
  photo: RgbImage;
  /** largest box first */
  faces: PhotoFace[];
  /** ms spent detecting (including any shrink or ×2 retry, and the second looks) and aligning (the warps) */
  detectMs: number;
  alignMs: number;
  /** of detectMs, the second looks (FaceMesh again on each first aligned crop) */
  refineMs: number;
}

export interface FindFacesOptions {
  /** a loaded detector (face/human.ts in Node; one per process is enough: they share Human's models) */
  detector: FaceFinder;
  template?: AlignTemplate;
  /** most faces kept per photo, largest first (default: all the detector returns) */
  maxFaces?: number;
  /** look again on the first aligned crop and align from there (default true) */
  refine?: boolean;
}

function area(b: readonly number[]): number {
  return Math.max(0, b[2]!) * Math.max(0, b[3]!);
}

/** The share of a's area inside b. */
function inside(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!);
  return w > 0 && h > 0 ? (w * h) / Math.max(area(a), 1e-9) : 0;
}

/** Faces detected on a copy of the photo at another size, with boxes and points brought back to the photo's pixels. */
async function detectScaled(detector: FaceFinder, img: RgbImage, width: number, height: number, resize: ResizeRgb): Promise<DetectedFace[]> {
  if (width === img.width && height === img.height) return detector.detectFaces(img);
  const sx = img.width / width;
  const sy = img.height / height;
  const faces = await detector.detectFaces(await resize(img, width, height));
  // continuous coordinates scale exactly (0 is the edge at both sizes)
  return faces.map((f) => ({
    ...f,
    box: [f.box[0] * sx, f.box[1] * sy, f.box[2] * sx, f.box[3] * sy] as const,
    mesh: f.mesh.map(([x, y, z]) => [x * sx, y * sy, z * sx] as const),
  }));
}

/** The detector on the photo, on a shrunk copy when it is large, and on a ×2 copy when it is small and nothing was found. */
async function detectAnySize(detector: FaceFinder, img: RgbImage, resize: ResizeRgb): Promise<DetectedFace[]> {
  const long = Math.max(img.width, img.height);
  if (long > DETECT_MAX_SIDE) {
    const s = DETECT_MAX_SIDE / long;
    return detectScaled(detector, img, Math.max(1, Math.round(img.width * s)), Math.max(1, Math.round(img.height * s)), resize);
  }
  const faces = await detector.detectFaces(img);
  if (faces.length === 0 && long < UPSAMPLE_BELOW) return detectScaled(detector, img, img.width * 2, img.height * 2, resize);
  return faces;
}

/** Box score high enough, no second box on a face, largest first. */
function keepFaces(faces: readonly DetectedFace[]): DetectedFace[] {
  const sorted = faces.filter((f) => f.boxScore >= MIN_BOX_SCORE).sort((a, b) => area(b.box) - area(a.box));
  const kept: DetectedFace[] = [];
  for (const f of sorted) if (!kept.some((k) => inside(f.box, k.box) >= MAX_INSIDE)) kept.push(f);
  return kept;
}

/**
 * When nothing is found, the photo is looked at again centred on a grey square this much
 * larger than its long side. BlazeFace squeezes the whole image into 256×256, so a tall
 * narrow photo (CelebA has 115×460 ones) squashes its face out of shape, and FaceMesh
 * crops around each box, so a face at the photo's edge gets a crop half outside it: on
 * the square both see the face as it is, with room around it. Of the 12 wild CelebA photos
 * where no face was found before, this finds 10 (the two left are a profile and a face
 * turned down under a hat); a square only as large as the long side found 7, 1.5× found
 * 9, edge pixels repeated instead of grey 9.
 */
export const PAD_SQUARE = 1.25;
/** The grey of that square: the middle of the range, no edge streaks that could look like a feature. */
export const PAD_GREY = 128;

/** The photo centred on a grey square of `side` pixels. */
export function padToSquare(img: RgbImage, side: number, grey = PAD_GREY): { image: RgbImage; left: number; top: number } {
  if (!(Number.isInteger(side) && side >= img.width && side >= img.height))
    throw new Error(`padToSquare: side ${side} is not an integer ≥ ${img.width}×${img.height}`);
  const left = Math.floor((side - img.width) / 2);
  const top = Math.floor((side - img.height) / 2);
  const data = new Uint8Array(side * side * 3).fill(grey);
  for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + top) * side + left) * 3);
  return { image: { data, width: side, height: side }, left, top };
}

/** Detections of an upright photo (again on a grey square when none is kept), filtered (box score, second boxes on a face) and sorted largest first. */
export async function detectInImage(detector: FaceFinder, img: RgbImage, resize: ResizeRgb): Promise<DetectedFace[]> {
  const kept = keepFaces(await detectAnySize(detector, img, resize));
  if (kept.length > 0) return kept;
  const { image, left, top } = padToSquare(img, Math.round(PAD_SQUARE * Math.max(img.width, img.height)));
  const faces = await detectAnySize(detector, image, resize);
  // back to the photo's pixels (a box may reach past its edge, as boxes do)
  return keepFaces(
    faces.map((f) => ({
      ...f,
      box: [f.box[0] - left, f.box[1] - top, f.box[2], f.box[3]] as const,
      mesh: f.mesh.map(([x, y, z]) => [x - left, y - top, z] as const),
    })),
  );
}

/** The face over the centre of an aligned crop, as the template was measured (face/measure_template.ts). */
async function faceAtCentre(detector: FaceFinder, a: AlignedFace): Promise<DetectedFace | null> {
  const cx = a.width / 2,
    cy = a.height / 2;
  const faces = await detector.detectFaces({ data: a.rgb, width: a.width, height: a.height });
  return faces.find(({ box: [x, y, w, h] }) => x <= cx && cx <= x + w && y <= cy && cy <= y + h) ?? null;
}

/** The faces of a decoded upright photo, aligned; `resize` makes the detector's smaller or larger copy. */
export async function findFaces(img: RgbImage, o: FindFacesOptions, resize: ResizeRgb): Promise<PhotoFaces> {
  const t0 = performance.now();
  let found = await detectInImage(o.detector, img, resize);
  if (o.maxFaces !== undefined) found = found.slice(0, o.maxFaces);
  const detectMs = performance.now() - t0;
  let alignMs = 0;
  let refineMs = 0;
  const template = o.template ?? CELEBA_TEMPLATE;
  const faces: PhotoFace[] = [];
  for (const f of found) {
    let landmarks = fivePoints(f.mesh);
    let t = performance.now();
    let aligned = alignFace(img, landmarks, template);
    alignMs += performance.now() - t;
    let refined = false;
    if (o.refine !== false) {
      t = performance.now();
      const again = await faceAtCentre(o.detector, aligned);
      refineMs += performance.now() - t;
      if (again) {
        const p = fivePoints(again.mesh);
        const back = new Float32Array(10);
        for (let k = 0; k < 5; k++) back.set(applySimilarity(aligned.frameToPhoto, p[2 * k]!, p[2 * k + 1]!), 2 * k);
        t = performance.now();
        landmarks = back;
        aligned = alignFace(img, landmarks, template);
        alignMs += performance.now() - t;
        refined = true;
      }
    }
    faces.push({ box: [f.box[0], f.box[1], f.box[2], f.box[3]], score: f.score, boxScore: f.boxScore, landmarks, refined, aligned });
  }
  return { photo: img, faces, detectMs: detectMs + refineMs, alignMs, refineMs };
}
