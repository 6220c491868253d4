// facet serve's bounds under hostile or careless clients, with real sockets on
// 127.0.0.1: the bytes buffered by all uploads together and the open connections are
// capped (503 past them) and given back when the connections close; requests node's
// parser refuses get 408 / 414 / 431 rather than 400; a client that leaves mid-upload
// is logged as such, not as 200.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ByteBudget } from '../src/serve/byte_budget.js';
import { faceJpeg, type Running, startServer, waitFor } from './serve_helpers.js';

const MiB = 1024 * 1024;

/** A raw connection that collects what the server sends. */
function open(port: number): Promise<{ sock: Socket; reply: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const sock = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (text += d));
    sock.on('error', () => {});
    sock.once('connect', () => resolve({ sock, reply: () => text, closed }));
    sock.once('error', reject);
  });
}

/** An upload that declares `length` bytes and sends only `sent` of them, then waits. */
async function slowUpload(port: number, length: number, sent: number, chunked = false) {
  const c = await open(port);
  const head = chunked
    ? 'POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n'
    : `POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${length}\r\n\r\n`;
  c.sock.write(head);
  if (sent > 0)
    c.sock.write(chunked ? Buffer.concat([Buffer.from(`${sent.toString(16)}\r\n`), Buffer.alloc(sent, 7), Buffer.from('\r\n')]) : Buffer.alloc(sent, 7));
  return c;
}

async function rawRequest(port: number, text: string): Promise<string> {
  const c = await open(port);
  c.sock.write(text);
  await c.closed;
  return c.reply();
}

describe('serve: a byte budget shared by the uploads', () => {
  it('takes what fits, refuses what does not, and gives every byte back once', () => {
    const b = new ByteBudget(10);
    const x = b.lease(),
      y = b.lease();
    assert.ok(x.take(6));
    assert.ok(!y.take(5), 'over the limit: nothing taken');
    assert.equal(b.held, 6);
    assert.ok(y.take(4));
    assert.equal(b.held, 10);
    x.release();
    x.release();
    assert.equal(b.held, 4);
    y.release();
    assert.equal(b.held, 0);
    assert.throws(() => new ByteBudget(0), /positive integer/);
  });
  it('a budget below --max-body is refused when the server is made', async () => {
    await assert.rejects(startServer({ maxBody: 2 * MiB, maxBuffered: MiB }), /--max-buffered \(1048576 bytes\) must be at least --max-body \(2097152 bytes\)/);
  });
});

describe('serve: bounded memory and connections', () => {
  let s: Running;
  let port: number;
  const lines: string[] = [];
  before(async () => {
    s = await startServer({
      concurrency: 1,
      queue: 4,
      maxBody: 1 * MiB,
      maxBuffered: 3 * MiB,
      maxConnections: 8,
      uploadIdleMs: 20_000,
      log: (l) => lines.push(l),
    });
    port = Number(new URL(s.url).port);
  });
  after(async () => {
    await s.close();
  });

  it('slow uploads hold at most --max-buffered; past it 503 with Retry-After; all of it comes back when they close', async () => {
    const held = [await slowUpload(port, MiB, 1000), await slowUpload(port, MiB, 1000), await slowUpload(port, MiB, 1000)];
    await waitFor(() => s.app.stats().uploads === 3, 10_000, 'three uploads to be read');
    assert.equal(s.app.stats().buffered, 3 * MiB, 'each declared length is taken whole');
    const refused = [await slowUpload(port, MiB, 1000), await slowUpload(port, 200_000, 0), await slowUpload(port, 0, 5000, true)];
    await Promise.all(refused.map((r) => r.closed));
    for (const r of refused) {
      assert.match(r.reply(), /^HTTP\/1\.1 503 /);
      assert.match(r.reply(), /Retry-After: 1/i);
      assert.match(r.reply(), /server busy: uploads in progress hold the 3145728 bytes this server buffers at once \(--max-buffered\)/);
    }
    assert.equal(s.app.stats().buffered, 3 * MiB);
    const face = await faceJpeg(0);
    assert.equal((await fetch(new URL('/v1/predict', s.url), { method: 'POST', body: face, headers: { 'content-type': 'image/jpeg' } })).status, 503);
    for (const h of held) h.sock.destroy();
    await waitFor(
      () => s.app.stats().buffered === 0 && s.app.stats().uploads === 0 && s.app.stats().inFlight === 0,
      10_000,
      'the buffered bytes to be given back',
    );
    const ok = await fetch(new URL('/v1/predict', s.url), { method: 'POST', body: face, headers: { 'content-type': 'image/jpeg' } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    await waitFor(() => s.app.stats().buffered === 0, 10_000, 'the finished request to give its bytes back');
    assert.ok(
      lines.some((l) => /^POST \/v1\/predict 499 \(client closed the connection first\)/.test(l)),
      'a client that left mid-upload is logged 499',
    );
    assert.equal(lines.filter((l) => /^POST \/v1\/predict 200 /.test(l)).length, 1, lines.join('\n'));
  });

  it('past --max-connections a request is answered 503; the count comes back when they close', async () => {
    await waitFor(() => s.app.stats().connections === 0, 10_000, 'earlier connections to close');
    const idle = await Promise.all(Array.from({ length: 8 }, () => open(port)));
    await waitFor(() => s.app.stats().connections === 8, 10_000, 'eight open connections');
    const reply = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 503 /);
    assert.match(reply, /9 connections open, this server serves 8 \(--max-connections\)/);
    for (const c of idle) c.sock.destroy();
    await waitFor(() => s.app.stats().connections === 0, 10_000, 'the connections to close');
    assert.equal((await fetch(new URL('/healthz', s.url))).status, 200);
  });
});

describe('serve: what the HTTP parser refuses gets its own status', () => {
  let s: Running;
  let port: number;
  before(async () => {
    s = await startServer({ headersTimeoutMs: 300 });
    port = Number(new URL(s.url).port);
  });
  after(async () => {
    await s.close();
  });

  it('a 20 KB header → 431, a 65 KB URL → 414, garbage → 400', async () => {
    assert.match(await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431 [^]*request headers are over/);
    assert.match(await rawRequest(port, `GET /${'a'.repeat(65_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 414 [^]*URL\) is too long/);
    assert.match(await rawRequest(port, 'HELLO THERE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  });

  it('headers that do not arrive in time → 408', async () => {
    const c = await open(port);
    c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await c.closed;
    assert.match(c.reply(), /^HTTP\/1\.1 408 [^]*did not arrive within 300 ms/);
  });
});
