/**
 * Any photo file or bytes → its faces, aligned as CelebA aligns its crops (face/find_faces.ts):
 * decoded upright (EXIF orientation) by sharp, the detector's copy resized by sharp.
 */
import { type UprightImage, decodeUpright, resizeRgb } from '../data/image.js';
import type { DetectedFace, FaceFinder } from './detected_face.js';
import { type FindFacesOptions, type PhotoFaces, detectInImage, findFaces } from './find_faces.js';
import { decodeFailure } from '../data/decode_error.js';

export { DETECT_MAX_SIDE, MAX_INSIDE, MIN_BOX_SCORE, UPSAMPLE_BELOW, type FindFacesOptions, type PhotoFace, type PhotoFaces } from './find_faces.js';

/** Detections of an upright photo, filtered (box score, second boxes on a face) and sorted largest first. */
export function detectInPhoto(detector: FaceFinder, img: UprightImage): Promise<DetectedFace[]> {
  return detectInImage(detector, img, resizeRgb);
}

/** The faces of a decoded upright photo, aligned. */
export function facesInImage(img: UprightImage, o: FindFacesOptions): Promise<PhotoFaces> {
  return findFaces(img, o, resizeRgb);
}

/**
 * The faces of a photo (a path or encoded bytes), decoded upright, aligned, largest first.
 * `limitInputPixels` refuses larger images before decoding (sharp's limit).
 */
export async function facesInPhoto(source: string | Uint8Array, o: FindFacesOptions & { limitInputPixels?: number }): Promise<PhotoFaces> {
  let img: UprightImage;
  try {
    img = await decodeUpright(source, o.limitInputPixels);
  } catch (e) {
    throw new Error(`${typeof source === 'string' ? source : '<upload>'}: cannot decode (${decodeFailure(source, e)})`, { cause: e });
  }
  return facesInImage(img, o);
}
