// facet serve's HTTP API with real requests on 127.0.0.1 (ephemeral ports): prediction
// (faces found and aligned, or ?align=aligned; a photo without a face), the limits (body size, pixel count, content type, garbage), the bounded queue under
// 50 concurrent requests, aborted and stalled uploads, internal errors, and the files the
// page needs (/model.onnx, /model.json, samples) with cross-origin isolation headers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { HttpError, parseSize } from '../src/serve/body.js';
import { createPredictor, sniffImage, type ServePredictor } from '../src/serve/predictor.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readBundle } from '../src/infer/bundle.js';
import { isFailure, predictImages, toJson } from '../src/infer/predict.js';
import { defaultModelDir } from '../src/infer/default_model.js';
import { exportBundleInt8 } from '../src/infer/onnx/int8_export.js';
import { WorkQueue, QueueFullError } from '../src/serve/queue.js';
import { bombPng, faceJpeg, type Running, startServer, testPredictor, waitFor } from './serve_helpers.js';

const post = (url: string, body: Uint8Array | string, type: string | null, query = ''): Promise<Response> =>
  fetch(new URL(`/v1/predict${query}`, url), { method: 'POST', body, headers: type ? { 'content-type': type } : {} });

interface FaceBody {
  box: { x: number; y: number; width: number; height: number };
  score: number | null;
  landmarks: Record<string, [number, number]> | null;
  attributes: Record<string, number>;
  region_weights: Record<string, Record<string, number>>;
  top_region: Record<string, string>;
  predicted: string[];
  top_attributes: Array<{ name: string; probability: number }>;
  regions: Record<string, number>;
}

interface PredictBody {
  faces: FaceBody[];
  note?: string;
  align: string;
  format: string;
  size: { width: number; height: number };
  input_size: { width: number; height: number };
  timings_ms: Record<string, number>;
}

describe('serve: units', () => {
  it('parses sizes', () => {
    assert.equal(parseSize('20MB'), 20 * 1024 * 1024);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('1000'), 1000);
    assert.equal(parseSize('1.5 MiB'), 1.5 * 1024 * 1024);
    assert.throws(() => parseSize('lots'), /not a size/);
  });
  it('sniffs formats by their magic numbers only', () => {
    assert.equal(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
    assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'webp');
    assert.equal(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
    assert.equal(sniffImage(Buffer.from('GIF89a')), null);
  });
  it('queue: runs at most N, holds at most Q, refuses the rest, drops aborted waiters', async () => {
    const q = new WorkQueue(2, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let peak = 0;
    const job = async (): Promise<number> => {
      peak = Math.max(peak, q.running);
      await gate;
      return 1;
    };
    const a = q.run(job),
      b = q.run(job),
      c = q.run(job);
    await assert.rejects(q.run(job), QueueFullError);
    const ac = new AbortController();
    const q2 = new WorkQueue(1, 2);
    const held = q2.run(() => gate);
    const waiting = q2.run(async () => 'never', ac.signal);
    assert.equal(q2.queued, 1);
    ac.abort();
    await assert.rejects(waiting, /aborted/);
    assert.equal(q2.queued, 0);
    release();
    assert.deepEqual(await Promise.all([a, b, c]), [1, 1, 1]);
    await held;
    assert.equal(peak, 2);
    assert.equal(q.running, 0);
    assert.equal(q2.running, 0);
  });
});

describe('serve: HTTP API', () => {
  let s: Running;
  let face: Buffer;
  before(async () => {
    s = await startServer({ concurrency: 2, queue: 4, maxBody: 2 * 1024 * 1024, maxPixels: 4_000_000, uploadIdleMs: 400 });
    face = await faceJpeg(0);
  });
  after(async () => {
    await s.close();
  });

  it('GET /healthz → 200 {status: ok, model}', async () => {
    const r = await fetch(new URL('/healthz', s.url));
    assert.equal(r.status, 200);
    const j = (await r.json()) as { status: string; model: { attributes: number; input: { height: number; width: number }; runtime: string } };
    assert.equal(j.status, 'ok');
    assert.equal(j.model.attributes, 40);
    assert.deepEqual(j.model.input, { height: 218, width: 178 });
    assert.equal(j.model.runtime, 'onnx');
  });

  it('a good JPEG → 200 with its face: box, landmarks, 40 probabilities, region weights and top regions (the shape of facet predict --json)', async () => {
    const r = await post(s.url, face, 'image/jpeg');
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as PredictBody;
    assert.equal(body.align, 'detect');
    assert.equal(body.faces.length, 1, 'the synthetic face is found');
    const j = body.faces[0]!;
    assert.ok(j.score! > 0.5);
    assert.deepEqual(Object.keys(j.landmarks!), ['lefteye', 'righteye', 'nose', 'leftmouth', 'rightmouth']);
    assert.equal(Object.keys(j.attributes).length, 40);
    assert.ok('Smiling' in j.attributes);
    // the probabilities facet predict gives the same bytes through the library (the same bundle, exported to onnx)
    const [lib] = await predictImages([{ name: 'upload', data: face }], { run: (await testPredictor()).dir, runtime: 'onnx', threads: 1 });
    assert.ok(lib && !isFailure(lib), 'the library predicts the same upload');
    assert.deepEqual(j.attributes, toJson(lib).faces[0]!.attributes);
    for (const [name, w] of Object.entries(j.region_weights)) {
      const sum = Object.values(w).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-3, `${name}: region weights sum to ${sum}`);
      assert.equal(Object.keys(w).length, 7);
      assert.equal(w[j.top_region[name]!], Math.max(...Object.values(w)));
    }
    assert.ok(Math.abs(Object.values(j.regions).reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.deepEqual(
      j.predicted,
      Object.entries(j.attributes)
        .filter(([, p]) => p >= 0.5)
        .sort((a, b) => b[1] - a[1])
        .map(([n]) => n),
    );
    assert.equal(j.top_attributes.length, 5);
    assert.equal(body.format, 'jpeg');
    assert.deepEqual(body.size, { width: 178, height: 218 });
    assert.deepEqual(body.input_size, { width: 178, height: 218 });
    for (const k of ['check', 'predict', 'decode', 'detect', 'align', 'model']) assert.ok(body.timings_ms[k]! >= 0, k);
    assert.ok(body.timings_ms.detect! > 0);
  });

  it('?align=aligned takes the upload as the face (no detection); a bad align value → 400', async () => {
    const r = (await (await post(s.url, face, 'image/jpeg', '?align=aligned')).json()) as PredictBody;
    assert.equal(r.align, 'aligned');
    assert.equal(r.faces.length, 1);
    assert.equal(r.faces[0]!.landmarks, null);
    assert.deepEqual(r.faces[0]!.box, { x: 0, y: 0, width: 178, height: 218 });
    assert.equal(r.timings_ms.detect, 0);
    const bad = await post(s.url, face, 'image/jpeg', '?align=sideways');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /align must be 'detect'.*got 'sideways'/);
  });

  it('a photo without a face → 200 with faces [] and a note', async () => {
    const grey = await sharp({ create: { width: 200, height: 160, channels: 3, background: '#7a8088' } })
      .jpeg()
      .toBuffer();
    const r = await post(s.url, grey, 'image/jpeg');
    assert.equal(r.status, 200);
    const j = (await r.json()) as PredictBody;
    assert.deepEqual(j.faces, []);
    assert.match(j.note!, /no face found/);
  });

  it('the same image as lossless PNG and WebP → 200 with the same probabilities', async () => {
    const png = await sharp(face).png().toBuffer();
    const webp = await sharp(face).webp({ lossless: true }).toBuffer();
    const a = (await (await post(s.url, png, 'image/png')).json()) as PredictBody;
    const b = (await (await post(s.url, webp, 'image/webp; charset=binary')).json()) as PredictBody;
    assert.equal(a.format, 'png');
    assert.equal(b.format, 'webp');
    const [fa, fb] = [a.faces[0]!, b.faces[0]!];
    for (const k of Object.keys(fa.attributes)) assert.ok(Math.abs(fa.attributes[k]! - fb.attributes[k]!) < 1e-5, k);
  });

  it('garbage → 400 with a message', async () => {
    for (const [body, type] of [
      ['definitely not an image', 'image/jpeg'],
      [Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 7)]), 'image/jpeg'],
      [Buffer.concat([bombPng(64, 64).subarray(0, 40)]), 'image/png'],
      ['', 'image/png'],
    ] as const) {
      const r = await post(s.url, body, type);
      assert.equal(r.status, 400);
      const j = (await r.json()) as { error: string };
      assert.ok(j.error.length > 10, j.error);
    }
  });

  it('oversize body → 413, declared (Content-Length) or streamed (chunked)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    const r = await post(s.url, big, 'image/jpeg');
    assert.equal(r.status, 413);
    assert.match(((await r.json()) as { error: string }).error, /over the limit/);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/v1/predict', s.url), { method: 'POST', headers: { 'content-type': 'image/jpeg' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 2);
      let sent = 0;
      const pump = (): void => {
        while (sent < 40 && req.write(chunk)) sent++; // stops when the server answers and closes
        if (sent < 40) req.once('drain', pump);
        else req.end();
      };
      pump();
    });
    assert.equal(status, 413);
  });

  it('a decompression bomb (huge declared size) → 413 with a message, before decoding', async () => {
    const r = await post(s.url, bombPng(60_000, 60_000), 'image/png');
    assert.equal(r.status, 413);
    assert.match(((await r.json()) as { error: string }).error, /60000×60000.*--max-pixels/);
  });

  it('wrong or missing content type → 415', async () => {
    for (const type of ['text/plain', 'image/gif', 'application/octet-stream', 'image/svg+xml', null]) {
      const r = await post(s.url, face, type);
      assert.equal(r.status, 415, String(type));
      assert.match(((await r.json()) as { error: string }).error, /image\/jpeg/);
    }
  });

  it('wrong method → 405, unknown endpoint → 404, both JSON', async () => {
    const a = await fetch(new URL('/v1/predict', s.url));
    assert.equal(a.status, 405);
    assert.equal(a.headers.get('allow'), 'POST');
    const b = await fetch(new URL('/v1/nothing', s.url));
    assert.equal(b.status, 404);
    assert.ok(((await b.json()) as { error: string }).error);
  });

  it('50 concurrent requests → each 200 or 503 (with Retry-After); the server lives on', async () => {
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const r = await post(s.url, face, 'image/jpeg');
        const body = await r.text();
        return { status: r.status, retry: r.headers.get('retry-after'), body };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 503);
    assert.equal(ok.length + busy.length, 50, JSON.stringify(results.filter((r) => r.status !== 200 && r.status !== 503)));
    assert.ok(ok.length >= 6, `${ok.length} answered 200 (2 running + 4 queued at least)`);
    assert.ok(busy.length > 0, 'the queue of 4 must overflow');
    assert.ok(busy.every((r) => r.retry === '1' && /busy/.test(r.body)));
    assert.ok(ok.every((r) => Object.keys((JSON.parse(r.body) as PredictBody).faces[0]!.attributes).length === 40));
    const h = await fetch(new URL('/healthz', s.url));
    assert.equal(h.status, 200);
    await waitFor(() => s.app.stats().running === 0 && s.app.stats().queued === 0, 5000, 'the queue to drain');
    console.log(`# 50 concurrent: ${ok.length} × 200, ${busy.length} × 503 in ${Date.now() - t0} ms`);
  });

  it('an aborted upload leaks nothing; a stalled one gets 408', async () => {
    const { port } = new URL(s.url);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const sock = connect(Number(port), '127.0.0.1', () => {
          sock.write('POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n');
          sock.write(Buffer.alloc(1000, 3), () =>
            setTimeout(() => {
              sock.destroy();
              resolve();
            }, 30),
          );
        });
        sock.on('error', reject);
      });
    }
    await waitFor(() => s.app.stats().uploads === 0 && s.app.stats().inFlight === 0, 3000, 'aborted uploads to be released');
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write('POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n');
        sock.write(Buffer.alloc(1000, 3));
      });
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (text += d));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
      setTimeout(() => sock.destroy(), 5000);
    });
    assert.match(reply, /^HTTP\/1\.1 408/);
    assert.match(reply, /stalled/);
    await waitFor(() => s.app.stats().uploads === 0 && s.app.stats().inFlight === 0, 3000, 'the stalled upload to be released');
    assert.equal((await fetch(new URL('/healthz', s.url))).status, 200);
  });

  it('serves the model, its config and samples, cross-origin isolated; no path escapes', async () => {
    const { predictor } = await testPredictor();
    const m = await fetch(new URL('/model.onnx', s.url));
    assert.equal(m.status, 200);
    assert.equal(m.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(m.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal((await m.arrayBuffer()).byteLength, predictor.onnx.length);
    const again = await fetch(new URL('/model.onnx', s.url), { headers: { 'if-none-match': m.headers.get('etag')! } });
    assert.equal(again.status, 304);
    const c = (await (await fetch(new URL('/model.json', s.url))).json()) as { attributeNames: string[]; normalization: { mean: number[] }; height: number };
    assert.equal(c.attributeNames.length, 40);
    assert.equal(c.height, 218);
    assert.deepEqual(c.normalization.mean, [130, 110, 100]);
    const list = (await (await fetch(new URL('/samples.json', s.url))).json()) as Array<{ url: string }>;
    assert.equal(list.length, 2);
    const img = await fetch(new URL(list[0]!.url, s.url));
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    assert.equal(sniffImage(new Uint8Array(await img.arrayBuffer())), 'jpeg');
    const page = await fetch(s.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    for (const p of ['/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/.vite/manifest.json']) {
      assert.equal((await fetch(new URL(p, s.url))).status, 404, p);
    }
  });
});

describe('serve: an exported model (--onnx), int8', () => {
  it('serves the file to the page and predicts with it; it runs on onnx only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facet-serve-int8-'));
    const file = join(dir, 'int8.onnx');
    const bundle = readBundle(defaultModelDir());
    writeFileSync(file, (await exportBundleInt8(bundle, { syntheticCount: 8 })).bytes);
    const predictor = await createPredictor({ onnxFile: file }, { threads: 1 });
    const s = await startServer({ predictor });
    try {
      assert.deepEqual(predictor.config, bundle.config);
      const r = await post(s.url, await faceJpeg(), 'image/jpeg');
      assert.equal(r.status, 200);
      const body = (await r.json()) as PredictBody;
      assert.equal(Object.keys(body.faces[0]!.attributes).length, 40);
      const m = await fetch(new URL('/model.onnx', s.url));
      assert.deepEqual(new Uint8Array(await m.arrayBuffer()), new Uint8Array(readFileSync(file)));
      await assert.rejects(createPredictor({ onnxFile: file }, { runtime: 'torch' }), /runs on --runtime onnx/);
    } finally {
      await s.close();
      await predictor.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve: failures inside a request', () => {
  it('an internal error → 500 JSON, and the server keeps running', async () => {
    const { predictor } = await testPredictor();
    let calls = 0;
    const broken: ServePredictor = {
      ...predictor,
      predict: async (bytes, format, maxPixels, align) => {
        calls++;
        if (calls === 1) throw new TypeError('boom');
        if (calls === 2) throw new HttpError(422, 'unprocessable');
        return predictor.predict(bytes, format, maxPixels, align);
      },
      dispose: async () => {},
    };
    const s = await startServer({ predictor: broken, samples: [] });
    try {
      const face = await faceJpeg(0);
      const a = await post(s.url, face, 'image/jpeg');
      assert.equal(a.status, 500);
      assert.match(((await a.json()) as { error: string }).error, /boom/);
      assert.equal((await post(s.url, face, 'image/jpeg')).status, 422);
      assert.equal((await post(s.url, face, 'image/jpeg')).status, 200);
      assert.equal((await fetch(new URL('/healthz', s.url))).status, 200);
    } finally {
      await s.close();
    }
  });
});

describe('serve: the command', () => {
  it('facet serve --run DIR --port 0 listens, answers /healthz and /v1/predict, stops on SIGTERM', async () => {
    const { dir } = await testPredictor();
    const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
    const child = spawn(process.execPath, [main, 'serve', '--run', dir, '--port', '0', '--quiet', '--max-body', '1MB', '--samples', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start line in 60 s; stderr: ${err}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { url: string }).url);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal((await fetch(new URL('/healthz', url))).status, 200);
      const r = await post(url, await faceJpeg(0), 'image/jpeg');
      assert.equal(r.status, 200);
      assert.equal((await post(url, Buffer.alloc(1024 * 1024 + 1), 'image/jpeg')).status, 413);
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
