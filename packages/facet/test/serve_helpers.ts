// Shared by serve_*.test.ts and web_*.test.ts: a random-weights bundle written to a temp
// dir without libtorch (bench/synthetic_weights.ts weights, widthMult 1/8, 218×178), a
// server on 127.0.0.1 with an ephemeral port, and small image fixtures.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type SafetensorsEntry, serializeSafetensors } from '@facet/torch/safetensors-format';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig, readBundle } from '../src/infer/bundle.js';
import { syntheticWeights } from '../src/bench/synthetic_weights.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';
import { REGION_NAMES } from '../src/regions.js';
import { createPredictor, type ServePredictor } from '../src/serve/predictor.js';
import { makeSamples } from '../src/serve/samples.js';
import { createFacetServer, type FacetServer, type ServerOptions } from '../src/serve/server.js';

export function writeServeBundle(widthMult = 0.125, height = 218, width = 178): string {
  const dir = mkdtempSync(join(tmpdir(), 'facet-serve-bundle-'));
  mkdirSync(dir, { recursive: true });
  const weights = new Map<string, SafetensorsEntry>();
  for (const [k, v] of syntheticWeights('parser', widthMult, 40, 1)) weights.set(`parser.${k}`, v);
  for (const [k, v] of syntheticWeights('ssp', widthMult, 40, 2)) weights.set(`attributes.${k}`, v);
  const config: BundleConfig = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    method: 'ssp',
    height,
    width,
    parserWidthMult: widthMult,
    attributeWidthMult: widthMult,
    attributeNames: [...CELEBA_ATTRIBUTES],
    regionNames: [...REGION_NAMES],
    normalization: { mean: [130, 110, 100], std: [60, 55, 55] },
    parserNormalization: { mean: [120, 125, 118], std: [64, 61, 66] },
    description: 'random weights (serve test bundle)',
  };
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'weights.safetensors'), serializeSafetensors(weights));
  return dir;
}

let predictorOnce: Promise<{ dir: string; predictor: ServePredictor }> | null = null;

/** One bundle and one onnx predictor per test process. */
export function testPredictor(): Promise<{ dir: string; predictor: ServePredictor }> {
  predictorOnce ??= (async () => {
    const dir = writeServeBundle();
    return { dir, predictor: await createPredictor({ bundle: readBundle(dir) }, { threads: 1 }) };
  })();
  return predictorOnce;
}

export interface Running {
  app: FacetServer;
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: Partial<ServerOptions> = {}): Promise<Running> {
  const { predictor } = await testPredictor();
  const samples = options.samples ?? (await makeSamples(2));
  const app = createFacetServer({ predictor, samples, ...options });
  const { url } = await app.listen(0, '127.0.0.1');
  return { app, url, close: () => app.close() };
}

/** A synthetic face as JPEG (178×218). */
export async function faceJpeg(i = 0): Promise<Buffer> {
  return (await makeSamples(i + 1))[i]!.jpeg;
}

/** A PNG whose header claims width×height (a decompression bomb's shape; the data is one empty IDAT). */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
