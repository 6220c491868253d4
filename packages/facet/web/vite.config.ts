// The browser app of `facet serve`. Built into ../dist/web; onnxruntime-web's wasm runtime
// (ort-wasm-simd-threaded.{mjs,wasm}) is copied to /ort/ there, so nothing is fetched from
// outside. In dev (`npx vite --config web/vite.config.ts`), model and samples are proxied
// to a `facet serve` on FACET_SERVER (default http://127.0.0.1:8080).
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ORT_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];
const ortFile = (name: string): string => require.resolve(`onnxruntime-web/${name}`);
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

const backend = process.env.FACET_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  plugins: [ortRuntime()],
  // the onnxruntime-web build that loads its wasm runtime from env.wasm.wasmPaths (/ort/)
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm'] },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    headers: isolation,
    proxy: Object.fromEntries(['/model.onnx', '/model.json', '/samples', '/samples.json', '/v1', '/healthz'].map((p) => [p, backend])),
  },
  preview: { headers: isolation },
});
