/**
 * What a face detector gives facet, free of Node imports: the Node detector (face/human.ts,
 * Human's wasm build) and the page's (web/src/face_detector.ts, Human's browser build)
 * both return it, and face/find_faces.ts works from it in both places.
 */

/** A mesh point in image pixels: x, y (continuous, 0 = the image's left/top edge) and Human's relative depth z. */
export type MeshPoint = readonly [x: number, y: number, z: number];

export interface DetectedFace {
  /** x, y, width, height in image pixels */
  box: readonly [number, number, number, number];
  /** Human's overall face score (detector and mesh) */
  score: number;
  /** BlazeFace's box score */
  boxScore: number;
  /** FaceMesh's confidence */
  meshScore: number;
  /** 468 points (478 with the iris model: 468–472 and 473–477 are the two irises) */
  mesh: MeshPoint[];
}

/** Packed RGB pixels, row-major (what sharp's `.raw()` gives for a 3-channel image). */
export interface RgbInput {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Anything that finds faces in packed RGB, best score first. */
export interface FaceFinder {
  detectFaces(rgb: RgbInput): Promise<DetectedFace[]>;
}
