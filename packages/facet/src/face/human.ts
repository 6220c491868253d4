/**
 * Face detection and the 468-point FaceMesh through @vladmandic/human (BlazeFace +
 * FaceMesh, MIT), on tfjs's WebAssembly backend, with the model files the npm package
 * ships: nothing is downloaded.
 *
 * Human is loaded by file path because its package `exports` map does not expose the
 * Node WASM build (dist/human.node-wasm.js), and its model loader goes through `fetch`,
 * which in Node cannot read `file://` URLs: while Human runs, `globalThis.fetch` serves
 * `file://` URLs from disk. Its model base path is the package's models/ folder as a
 * `file://` URL, so it never asks for anything else.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { DetectedFace, FaceFinder, RgbInput } from './detected_face.js';
import { type DetectSettings, type HumanFaceResult, detectSettings, fromHumanFaces, humanInput, humanSettings } from './human_settings.js';

export type { DetectedFace, MeshPoint, RgbInput } from './detected_face.js';

export type FaceDetectorOptions = DetectSettings;

// The part of Human's API facet uses. Its own typings describe browser types (canvas,
// HTMLVideoElement) that a Node build without the DOM library cannot name, so facet
// states the shape it relies on; loading checks what matters (a Human constructor, the
// wasm backend, both models).
interface TfTensor {
  dispose(): void;
}
interface TfLike {
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: 'int32'): TfTensor;
  getBackend(): string;
  ready(): Promise<void>;
  memory(): { numTensors: number; numBytes: number };
  version_core: string;
}
interface GraphModelLike {
  dispose(): void;
}
type HumanFace = HumanFaceResult;
interface HumanLike {
  version: string;
  tf: TfLike;
  env: { initial: boolean; wasm: { simd?: boolean; multithread?: boolean } };
  models: { models: Record<string, GraphModelLike | null>; reset(): void };
  load(config?: Record<string, unknown>): Promise<void>;
  detect(input: TfTensor, config?: Record<string, unknown>): Promise<{ face: HumanFace[]; error?: string | null }>;
}
type HumanConstructor = new (config: Record<string, unknown>) => HumanLike;

const require = createRequire(import.meta.url);

/** The installed package folders (resolved through their main entries: Human's exports map hides package.json). */
function packageDir(name: string, main: string): string {
  const entry = require.resolve(name);
  const i = entry.lastIndexOf(main);
  if (i < 0) throw new Error(`${name}: unexpected main entry ${entry}`);
  return entry.slice(0, i);
}

export interface HumanPaths {
  /** @vladmandic/human's package folder */
  human: string;
  /** its models/ folder (BlazeFace, FaceMesh, iris) */
  models: string;
  /** the Node WASM build */
  build: string;
  /** @tensorflow/tfjs-backend-wasm's dist/ folder, with the .wasm binaries */
  wasm: string;
}

export function humanPaths(): HumanPaths {
  const human = packageDir('@vladmandic/human', join('dist', 'human.node.js'));
  const wasmMain = require.resolve('@tensorflow/tfjs-backend-wasm');
  return { human, models: join(human, 'models'), build: join(human, 'dist', 'human.node-wasm.js'), wasm: dirname(wasmMain) + '/' };
}

let fetchDepth = 0;
let originalFetch: typeof fetch | null = null;

/**
 * Runs `fn` with a `fetch` that reads `file://` URLs from disk (Node's cannot) and passes
 * anything else to the real one, so that other code fetching meanwhile is unaffected.
 * Nested and overlapping calls share one installation.
 */
async function withFileFetch<T>(fn: () => Promise<T>): Promise<T> {
  if (fetchDepth++ === 0) {
    const original = globalThis.fetch;
    originalFetch = original;
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith('file://')) return original(input, init);
      return new Response(await readFile(fileURLToPath(url)), { status: 200 });
    };
  }
  try {
    return await fn();
  } finally {
    if (--fetchDepth === 0) {
      globalThis.fetch = originalFetch!;
      originalFetch = null;
    }
  }
}

/**
 * Human keeps its models, its backend and an `initial` flag in module-level state that
 * every Human instance shares, so facet loads one per process and counts its users: the
 * models are freed when the last FaceDetector is disposed.
 */
interface Shared {
  human: Promise<HumanLike>;
  users: number;
  /** detections run one at a time (Human's state is per instance, not per call) */
  queue: Promise<unknown>;
}
let shared: Shared | null = null;
/** the freeing of the last shared instance: a new load waits for it, or it would pick up models about to be freed */
let freed: Promise<void> = Promise.resolve();

async function loadHuman(): Promise<HumanLike> {
  const paths = humanPaths();
  const mod = (await import(pathToFileURL(paths.build).href)) as { Human?: unknown };
  if (typeof mod.Human !== 'function') throw new Error(`${paths.build} does not export Human`);
  const Human = mod.Human as HumanConstructor;
  const human = new Human(humanSettings({ wasmPath: paths.wasm, modelBasePath: pathToFileURL(paths.models).href + '/' }));
  try {
    await withFileFetch(async () => {
      await human.load();
      await human.tf.ready();
    });
  } catch (e) {
    throw new Error(
      `face detector: could not start tfjs's wasm backend (binaries in ${paths.wasm}) or load the models (${paths.models}): ${(e as Error).message}`,
      { cause: e },
    );
  }
  const backend = human.tf.getBackend();
  if (backend !== 'wasm') {
    throw new Error(`face detector: tfjs backend is '${backend}', not 'wasm' (wasm binaries looked for in ${paths.wasm})`);
  }
  const missing = ['blazeface', 'facemesh'].filter((m) => !human.models.models[m]);
  if (missing.length) throw new Error(`face detector: model(s) ${missing.join(', ')} did not load from ${paths.models}`);
  return human;
}

function freeHuman(human: HumanLike): void {
  for (const m of Object.values(human.models.models)) m?.dispose();
  human.models.reset();
  // the module-level model caches still point at the freed models: make the next load reload them
  human.env.initial = true;
}

/** BlazeFace + FaceMesh on the WASM backend. Create with `FaceDetector.load()`. */
export class FaceDetector implements FaceFinder {
  #shared: Shared | null;
  readonly #human: HumanLike;
  /** Human's per-call settings for this detector's options */
  readonly #config: Record<string, unknown>;
  readonly humanVersion: string;
  readonly tfjsVersion: string;
  readonly backend: string;
  readonly simd: boolean;

  private constructor(s: Shared, human: HumanLike, options: FaceDetectorOptions) {
    this.#shared = s;
    this.#human = human;
    this.#config = detectSettings(options);
    this.humanVersion = human.version;
    this.tfjsVersion = human.tf.version_core;
    this.backend = human.tf.getBackend();
    this.simd = human.env.wasm.simd === true;
  }

  /**
   * Loads Human and the models (once per process). Throws when the WASM backend did not
   * come up: Human would otherwise fall back silently to tfjs's pure-JS backend, ~30× slower.
   */
  static async load(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const s = (shared ??= { human: freed.then(loadHuman), users: 0, queue: Promise.resolve() });
    s.users++;
    let human: HumanLike;
    try {
      human = await s.human;
    } catch (e) {
      s.users--;
      if (shared === s) shared = null;
      throw e;
    }
    const d = new FaceDetector(s, human, options);
    if (options.iris) {
      // load the iris model now, while file:// fetches are served
      await d.#run(async () => withFileFetch(() => human.load(d.#config)));
      if (!human.models.models.iris) throw new Error('face detector: the iris model did not load');
    }
    return d;
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    const s = this.#shared;
    if (!s) return Promise.reject(new Error('face detector: used after dispose()'));
    const r = s.queue.then(fn);
    s.queue = r.catch(() => undefined);
    return r;
  }

  /** Faces in an RGB image, best score first; points in the image's pixels. */
  async detectFaces(rgb: RgbInput): Promise<DetectedFace[]> {
    const human = this.#human;
    const { values, shape } = humanInput(rgb.data, rgb.width, rgb.height);
    const result = await this.#run(async () => {
      const input = human.tf.tensor3d(values, shape, 'int32');
      try {
        return await withFileFetch(() => human.detect(input, this.#config));
      } finally {
        input.dispose();
      }
    });
    if (result.error) throw new Error(`face detector: ${result.error}`);
    return fromHumanFaces(result.face);
  }

  /** Live tfjs tensors (for leak checks). */
  tensors(): number {
    return this.#human.tf.memory().numTensors;
  }

  /** Releases this detector; the last one to go frees the models. */
  dispose(): void {
    const s = this.#shared;
    if (!s) return;
    this.#shared = null;
    if (--s.users > 0) return;
    if (shared === s) shared = null;
    // after any detection still queued
    const human = this.#human;
    freed = s.queue.then(() => freeHuman(human));
  }
}
