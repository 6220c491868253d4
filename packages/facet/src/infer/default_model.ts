// Where facet's shipped model lives: packages/facet/models/default/ (bundle.json +
// weights.safetensors, see infer/bundle.ts), found from this module's own location so
// that it works from a checkout and from an installed package alike.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module whose package.json is facet's. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'facet') return dir;
      } catch {
        // not a readable package.json: keep looking upward
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`facet: cannot find the facet package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** packages/facet/models/default/ (whether or not it exists). */
export function defaultModelDir(): string {
  return join(packageRoot(), 'models', 'default');
}

/**
 * The bundle directory to use: `run` when given (it must hold bundle.json), else the
 * shipped model. Throws an error naming the path and the way out when it is missing.
 */
export function resolveModelDir(run?: string): string {
  if (run !== undefined) {
    const dir = resolve(run);
    if (!existsSync(dir)) throw new Error(`--run ${run}: no such directory`);
    if (!statSync(dir).isDirectory()) throw new Error(`--run ${run}: not a directory (give a model bundle directory: bundle.json + weights.safetensors)`);
    if (!existsSync(join(dir, 'bundle.json'))) {
      throw new Error(`--run ${run}: no bundle.json there (a model bundle directory holds bundle.json + weights.safetensors)`);
    }
    return dir;
  }
  const dir = defaultModelDir();
  if (!existsSync(join(dir, 'bundle.json'))) {
    throw new Error(
      `the shipped model is missing: ${join(dir, 'bundle.json')} does not exist (this copy of facet has no trained default model). ` +
        'Pass a model bundle with --run DIR (a directory holding bundle.json + weights.safetensors), ' +
        'or an exported ONNX model with --runtime onnx --onnx FILE.',
    );
  }
  return dir;
}

/** The sample faces shipped beside a model (its samples/ folder), for `facet predict` without images. */
export function sampleImages(modelDir: string): string[] {
  const dir = join(modelDir, 'samples');
  if (!existsSync(dir)) throw new Error(`no images given, and ${dir} holds no sample faces: name the images to predict`);
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}
