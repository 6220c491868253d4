/**
 * From the 468 FaceMesh points to a region map and to CelebA's five landmarks.
 *
 * Index lists are MediaPipe's FaceMesh contours (face_mesh_connections.py: FACEMESH_FACE_OVAL,
 * FACEMESH_LIPS, FACEMESH_LEFT/RIGHT_EYE, FACEMESH_LEFT/RIGHT_EYEBROW), written as closed
 * polygons. "Left"/"right" there are the subject's: the subject's right eye is on the
 * image's left in an upright, unmirrored photo.
 */
import { MeshLabel } from '../data/label_sets.js';
import type { Landmarks } from '../data/types.js';
import { fillPolygon, polygonCentroid, type XY } from './polygon.js';

/** The face silhouette, from the top of the forehead (10) clockwise in the image. */
export const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21,
  54, 103, 67, 109,
] as const;

/** The outer lip contour: upper lip from corner 61 to corner 291, back along the lower lip. Covers lips and the open mouth. */
export const LIPS_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146] as const;

/** The subject's right eye (image left): the eyelid opening, corner 33 over the upper lid to corner 133 and back along the lower. */
export const RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7] as const;
/** The subject's left eye (image right), corner 263 to corner 362. */
export const LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249] as const;

/** The subject's right eyebrow: upper edge outward-in (70 → 107), lower edge back (55 → 46). */
export const RIGHT_BROW = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46] as const;
export const LEFT_BROW = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276] as const;

/**
 * The nose. MediaPipe has no nose contour, so this polygon is facet's choice, checked by
 * eye on CelebA faces (`facet label --figure`): from 168, on the bridge between the eyes
 * (where Helen's nose labels begin), down the subject's left side of the bridge (417, 351,
 * 419, 248) and the nose's side wall (456, 363, 360), round the left nostril wing (279 its
 * top, 358 its outermost point, 327 its lowest corner), along the base of the nose through
 * subnasale (326, 2, 97), round the right wing (98, 129, 49) and up the right side (131,
 * 134, 236, 3, 196, 122, 193). The cheeks beside the nose stay skin.
 */
export const NOSE = [168, 417, 351, 419, 248, 456, 363, 360, 279, 358, 327, 326, 2, 97, 98, 129, 49, 131, 134, 236, 3, 196, 122, 193] as const;

/** The contours as polygons in image coordinates. */
export function contour(mesh: readonly XY[], indices: readonly number[]): XY[] {
  return indices.map((i) => {
    const p = mesh[i];
    if (!p) throw new Error(`mesh has ${mesh.length} points; index ${i} is missing`);
    return p;
  });
}

function checkMesh(mesh: readonly XY[]): void {
  if (mesh.length < 468) throw new Error(`a FaceMesh has 468 points (478 with irises); got ${mesh.length}`);
}

/**
 * The MESH_LABELS map of a face, width × height, row-major. Painted in order: everything
 * hair_or_background, the face oval skin, then nose, eyebrows, eyes and mouth over it
 * (later parts win where polygons touch: eyes over the nose's top corners, the mouth over
 * the nose's base on a short upper lip).
 */
export function meshRegionMap(mesh: readonly XY[], width: number, height: number): Uint8Array {
  checkMesh(mesh);
  const map = new Uint8Array(width * height).fill(MeshLabel.hair_or_background);
  const paint = (idx: readonly number[], label: number) => fillPolygon(map, width, height, contour(mesh, idx), label);
  fillPolygon(map, width, height, foreheadBand(mesh), UNLABELLED);
  paint(FACE_OVAL, MeshLabel.skin);
  paint(NOSE, MeshLabel.nose);
  paint(RIGHT_BROW, MeshLabel.eyebrows);
  paint(LEFT_BROW, MeshLabel.eyebrows);
  paint(RIGHT_EYE, MeshLabel.eyes);
  paint(LEFT_EYE, MeshLabel.eyes);
  paint(LIPS_OUTER, MeshLabel.mouth);
  return map;
}

/** Pixels no label is claimed for: the losses and IoU skip them (the loader's NO_LABEL). */
export const UNLABELLED = 255;

/** FACE_OVAL's upper arc, from one cheek at eye level (234) over the top (10) to the other (454). */
const OVAL_TOP: readonly number[] = [...FACE_OVAL.slice(FACE_OVAL.indexOf(234)), ...FACE_OVAL.slice(0, FACE_OVAL.indexOf(454) + 1)];

/**
 * The mesh stops below the hairline: between its top and the hair lies forehead skin
 * (or a fringe) that the mesh cannot tell apart. Rather than call it hair or background,
 * a band above the oval's upper arc — 0.35 of the face's height (mesh top 10 to chin
 * 152), along the face's own vertical — is left unlabelled.
 */
export function foreheadBand(mesh: readonly XY[]): XY[] {
  const top = mesh[10]!;
  const chin = mesh[152]!;
  const up: XY = [top[0] - chin[0], top[1] - chin[1]];
  const shift = 0.35;
  const arc = contour(mesh, OVAL_TOP);
  const lifted = arc.map(([x, y]) => [x + shift * up[0], y + shift * up[1]] as XY);
  return [...arc, ...lifted.reverse()];
}

/** Mesh indices behind each of CelebA's five landmarks. */
export const FIVE_POINT_SOURCES = {
  /** CelebA's left eye = the image's left = the subject's right eye: its opening's centroid */
  leftEye: RIGHT_EYE,
  rightEye: LEFT_EYE,
  /**
   * the nose tip. MediaPipe names 1 the tip, but 4, just above it on the ridge, is where
   * CelebA's annotators clicked: over 200 aligned CelebA faces, 4's mean is (88.0, 134.4)
   * against CelebA's published mean nose (89, 134); 1's is 4 px lower (88.0, 138.3)
   */
  nose: 4,
  /** the outer lip corners */
  leftMouth: 61,
  rightMouth: 291,
} as const;

/**
 * CelebA's five landmarks from a mesh, in continuous image coordinates, in CelebA's order
 * (LANDMARK_NAMES): left eye x y, right eye, nose, left mouth corner, right mouth corner,
 * where "left" is the image's left. An eye's centre is the centroid of its opening (the
 * pupil is near it on a face looking ahead); with the iris model's points (478) it is
 * the iris centre instead.
 */
export function fivePoints(mesh: readonly XY[]): Landmarks {
  checkMesh(mesh);
  const s = FIVE_POINT_SOURCES;
  let le = polygonCentroid(contour(mesh, s.leftEye));
  let re = polygonCentroid(contour(mesh, s.rightEye));
  if (mesh.length >= 478) {
    // iris centres are 468 and 473; which is which differs between MediaPipe and Human, so pair by distance
    const a: [number, number] = [mesh[468]![0], mesh[468]![1]];
    const b: [number, number] = [mesh[473]![0], mesh[473]![1]];
    const d = (p: readonly number[], q: readonly number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!);
    [le, re] = d(a, le) + d(b, re) <= d(b, le) + d(a, re) ? [a, b] : [b, a];
  }
  const at = (i: number) => [mesh[i]![0], mesh[i]![1]];
  return Float32Array.from([...le, ...re, ...at(s.nose), ...at(s.leftMouth), ...at(s.rightMouth)]);
}

/**
 * Continuous coordinates → CelebA's integer pixel indices (CelebA counts pixel centres
 * from 0; Human measures from the image's edge, so the first pixel's centre is 0.5).
 */
export function toPixelIndices(points: Landmarks): Int32Array {
  return Int32Array.from(points, (v) => Math.round(v - 0.5));
}
