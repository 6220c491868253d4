// The browser app of `facet serve`. Built into ../dist/web; onnxruntime-web's wasm runtime
// (ort-wasm-simd-threaded.{mjs,wasm}) is copied to /ort/ there, and the face detector's
// files from the installed packages — @vladmandic/human's BlazeFace and FaceMesh models to
// /human/models/, tfjs's wasm binaries to /human/wasm/ — so nothing is fetched from
// outside. In dev (`npx vite --config web/vite.config.ts`), model and samples are proxied
// to a `facet serve` on FACET_SERVER (default http://127.0.0.1:8080).
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { HUMAN_MODEL_FILES, TFJS_WASM_FILES } from '../src/face/human_settings.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ORT_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];
const ortFile = (name: string): string => require.resolve(`onnxruntime-web/${name}`);
// Human's package hides package.json and its models/ behind its exports map: find them from its main entry
const humanDir = dirname(dirname(require.resolve('@vladmandic/human')));
const tfjsWasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
/** URL folder → the files served there and where each one is on disk. */
const FACE_FILES: Record<string, { names: readonly string[]; path: (name: string) => string }> = {
  'human/models': { names: HUMAN_MODEL_FILES, path: (n) => resolve(humanDir, 'models', n) },
  'human/wasm': { names: TFJS_WASM_FILES, path: (n) => resolve(tfjsWasmDir, n) },
};
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function ortRuntime(): Plugin {
  return {
    name: 'facet-ort-runtime',
    generateBundle() {
      for (const f of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(ortFile(f)) });
    },
    configureServer(server) {
      server.middlewares.use('/ort/', (req, res, next) => {
        const name = basename((req.url ?? '').split('?')[0]!);
        if (!ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        createReadStream(ortFile(name)).pipe(res);
      });
    },
  };
}

function faceDetectorFiles(): Plugin {
  return {
    name: 'facet-face-detector-files',
    generateBundle() {
      for (const [dir, f] of Object.entries(FACE_FILES)) {
        for (const n of f.names) this.emitFile({ type: 'asset', fileName: `${dir}/${n}`, source: readFileSync(f.path(n)) });
      }
    },
    configureServer(server) {
      for (const [dir, f] of Object.entries(FACE_FILES)) {
        server.middlewares.use(`/${dir}/`, (req, res, next) => {
          const name = basename((req.url ?? '').split('?')[0]!);
          if (!f.names.includes(name)) return next();
          res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
          createReadStream(f.path(name)).pipe(res);
        });
      }
    },
  };
}

const backend = process.env.FACET_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  plugins: [ortRuntime(), faceDetectorFiles()],
  // the onnxruntime-web build that loads its wasm runtime from env.wasm.wasmPaths (/ort/)
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm'] },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Human's browser build (tfjs inside) is one ~1.5 MB chunk, loaded only when a photo needs its faces found
    chunkSizeWarningLimit: 1600,
  },
  server: {
    headers: isolation,
    proxy: Object.fromEntries(['/model.onnx', '/model.json', '/samples', '/samples.json', '/v1', '/healthz'].map((p) => [p, backend])),
  },
  preview: { headers: isolation },
});
