// `facet bench --photos`: the detect-and-align case counts what it timed — two real photos
// with a face each and a gradient without one — and reports every step's time.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import sharp from 'sharp';
import { benchDetect } from '../src/bench/detect_bench.js';
import { sharedData, tempDir } from './helpers.js';

const WILD = sharedData('celeba-wild', 'Img', 'img_celeba');
const dir = tempDir('detect-bench');
after(() => rmSync(dir, { recursive: true, force: true }));

it('times decode, detection + mesh, the second look, the warps and the model per photo; a photo without a face counts as such', async () => {
  const [warm, a, b] = readdirSync(WILD).sort();
  // by name: 0-warm (untimed), 1-a, 2-b, 3-gradient
  copyFileSync(join(WILD, warm!), join(dir, '0-warm.jpg'));
  copyFileSync(join(WILD, a!), join(dir, '1-a.jpg'));
  copyFileSync(join(WILD, b!), join(dir, '2-b.jpg'));
  const w = 320,
    h = 240;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x * 0.8, y, 128], (y * w + x) * 3);
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(join(dir, '3-gradient.png'));
  const r = await benchDetect({ photos: dir, count: 10, runtime: 'onnx', threads: 1 });
  console.log(`# ${JSON.stringify(r)}`);
  assert.equal(r.case, 'detect-align');
  assert.equal(r.photos, 3, 'all but the warm-up photo');
  assert.equal(r.photos_without_face, 1);
  assert.equal(r.faces, 2);
  assert.equal(r.unreadable, 0);
  assert.match(r.engine, /^human-3\.\d+\.\d+-tfjs-4\.\d+\.\d+-wasm/);
  for (const k of ['decode_ms', 'detect_mesh_ms', 'second_look_ms', 'warp_ms', 'model_ms', 'model_ms_per_face', 'photo_s'] as const) {
    assert.ok(r[k] > 0 && Number.isFinite(r[k]), `${k} = ${r[k]}`);
  }
  // per photo vs per face: 2 faces over 3 photos
  assert.ok(Math.abs(r.model_ms_per_face * 2 - r.model_ms * 3) < 0.01 * r.model_ms * 3 + 0.01);
});

it('a folder with too few photos is named in the error', async () => {
  const empty = join(dir, 'empty');
  await assert.rejects(benchDetect({ photos: join(dir, 'nope'), count: 1, runtime: 'onnx', threads: 1 }), /bench --photos .*nope: cannot list the folder/);
  await assert.rejects(benchDetect({ photos: empty, count: 0, runtime: 'onnx', threads: 1 }), /--count must be an integer ≥ 1, got 0/);
});
