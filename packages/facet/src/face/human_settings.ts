/**
 * How facet runs @vladmandic/human, in Node (face/human.ts, its wasm build) and in the page
 * (web/src/face_detector.ts, its browser build) alike: the same models, settings and input
 * tensor, so the page finds the faces Node finds. Free of Node imports.
 */
import type { DetectedFace } from './detected_face.js';

/** The model files facet uses from the package's models/ folder (the page serves only these). */
export const HUMAN_MODEL_FILES = ['blazeface.json', 'blazeface.bin', 'facemesh.json', 'facemesh.bin'] as const;

/** tfjs's single-threaded wasm binaries, plain and SIMD (tfjs picks what the browser supports; the page turns threads off). */
export const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'] as const;

/** Human's constructor settings: BlazeFace + FaceMesh on tfjs's wasm backend, nothing else. */
export function humanSettings(where: { wasmPath: string; modelBasePath: string }): Record<string, unknown> {
  const off = { enabled: false };
  return {
    backend: 'wasm',
    wasmPath: where.wasmPath,
    modelBasePath: where.modelBasePath,
    debug: false,
    // the page loads the models from facet's server each time, never from a browser cache it cannot check
    cacheModels: false,
    // every image is a new photo: no reuse of boxes or results from the previous call
    cacheSensitivity: 0,
    skipAllowed: false,
    warmup: 'none',
    face: {
      enabled: true,
      detector: { enabled: true, skipFrames: 0, skipTime: 0, return: false },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: off,
      emotion: off,
      description: off,
      antispoof: off,
      liveness: off,
      gear: off,
    },
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
    filter: off,
  };
}

export interface DetectSettings {
  /** faces returned per image (default 4) */
  maxFaces?: number;
  /** BlazeFace's minimum box score (default 0.2, Human's default) */
  minConfidence?: number;
  /** run the iris model too (adds 10 points; default false) */
  iris?: boolean;
  /** let Human rotate each face upright before the mesh (default false: aligned faces are upright) */
  rotation?: boolean;
}

/** Human's per-call settings. */
export function detectSettings(o: DetectSettings = {}): Record<string, unknown> {
  return {
    face: {
      detector: { rotation: o.rotation ?? false, maxDetected: o.maxFaces ?? 4, minConfidence: o.minConfidence ?? 0.2 },
      iris: { enabled: o.iris ?? false },
    },
  };
}

/** Human takes a [H, W, 3] int32 tensor (0..255), as tfjs-node's decodeImage gives. */
export function humanInput(data: Uint8Array, width: number, height: number): { values: Int32Array; shape: [number, number, number] } {
  if (data.length !== width * height * 3) throw new Error(`detectFaces: ${data.length} bytes for ${width}×${height} RGB`);
  return { values: Int32Array.from(data), shape: [height, width, 3] };
}

/** The part of a Human face result facet reads. */
export interface HumanFaceResult {
  box: [number, number, number, number];
  score: number;
  boxScore: number;
  faceScore: number;
  mesh: number[][];
}

/** Human's faces as facet's, best score first. */
export function fromHumanFaces(faces: readonly HumanFaceResult[]): DetectedFace[] {
  return faces
    .map((f): DetectedFace => ({
      box: [f.box[0], f.box[1], f.box[2], f.box[3]],
      score: f.score,
      boxScore: f.boxScore,
      meshScore: f.faceScore,
      mesh: f.mesh.map((p) => [p[0]!, p[1]!, p[2] ?? 0] as const),
    }))
    .sort((a, b) => b.score - a.score);
}
