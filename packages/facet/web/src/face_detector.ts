// Faces in the page: @vladmandic/human's browser build (dist/human.esm.js, the package's
// 'import' condition, bundled by vite from the installed package) on tfjs's wasm backend,
// with the settings, models and input tensor Node uses (src/face/human_settings.ts), so
// the page finds the landmarks `facet predict` finds.
// Its model files and tfjs's wasm binaries come from facet's own server (/human/models/,
// /human/wasm/: copied there by web/vite.config.ts), never from a CDN.
import { Human } from '@vladmandic/human';
import type { DetectedFace, FaceFinder, RgbInput } from '../../src/face/detected_face.js';
import { DEFAULT_MAX_FACES, detectorMaxFaces } from '../../src/face/find_faces.js';
import { type HumanFaceResult, detectSettings, fromHumanFaces, humanInput, humanSettings } from '../../src/face/human_settings.js';

/** URL folders of facet's server (see web/vite.config.ts). */
export const HUMAN_MODELS_URL = '/human/models/';
export const HUMAN_WASM_URL = '/human/wasm/';

type HumanConfig = ConstructorParameters<typeof Human>[0];

export interface PageFaceDetector extends FaceFinder {
  backend: string;
  version: string;
}

export async function loadFaceDetector(): Promise<PageFaceDetector> {
  const at = (path: string): string => new URL(path, location.href).href;
  const human = new Human(humanSettings({ wasmPath: at(HUMAN_WASM_URL), modelBasePath: at(HUMAN_MODELS_URL) }) as HumanConfig);
  // tfjs's threaded wasm starts its workers from a blob that the bundled build cannot load
  // (importScripts fails and the backend never comes up); single-threaded SIMD is also
  // what Node runs, so the page's numbers are Node's
  human.tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await human.load();
  await human.tf.ready();
  const backend = human.tf.getBackend();
  // Human would fall back to another backend silently; facet's numbers are the wasm backend's
  if (backend !== 'wasm') throw new Error(`face detector: tfjs backend is '${backend}', not 'wasm' (binaries from ${HUMAN_WASM_URL})`);
  const missing = ['blazeface', 'facemesh'].filter((m) => !(human.models.models as Record<string, unknown>)[m]);
  if (missing.length) throw new Error(`face detector: model(s) ${missing.join(', ')} did not load from ${HUMAN_MODELS_URL}`);
  // as many boxes as `facet predict` asks for
  const perCall = detectSettings({ maxFaces: detectorMaxFaces(DEFAULT_MAX_FACES) }) as HumanConfig;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    backend,
    version: human.version,
    detectFaces(rgb: RgbInput): Promise<DetectedFace[]> {
      // one detection at a time: Human's state is per instance, not per call
      const run = queue.then(async () => {
        const { values, shape } = humanInput(rgb.data, rgb.width, rgb.height);
        const input = human.tf.tensor3d(values, shape, 'int32');
        try {
          const result = await human.detect(input as unknown as Parameters<typeof human.detect>[0], perCall);
          if (result.error) throw new Error(`face detector: ${result.error}`);
          return fromHumanFaces(result.face as unknown as HumanFaceResult[]);
        } finally {
          input.dispose();
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
