// facet's HTTP server (node:http, no framework): the built web app (dist/web), the model
// for the browser (/model.onnx exported in memory, /model.json), sample faces, and
// server-side prediction (POST /v1/predict) behind a bounded queue. Every response is
// cross-origin isolated (COOP/COEP) so that onnxruntime-web may use wasm threads.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../infer/default_model.js';
import { MAX_INPUT_PIXELS } from '../infer/preprocess.js';
import { FACET_VERSION } from '../version.js';
import { HttpError, readBody } from './body.js';
import { ByteBudget, type ByteLease } from './byte_budget.js';
import { CLIENT_ERROR_REASONS, clientErrorStatus } from './client_error.js';
import { CONTENT_TYPES, modelSummary, sniffImage, type ServePredictor } from './predictor.js';
import { AbortedError, QueueFullError, WorkQueue } from './queue.js';
import type { Sample } from './samples.js';
import { serveStatic } from './static.js';

export interface ServerOptions {
  predictor: ServePredictor;
  samples?: Sample[];
  /** the built web app (default: <package>/dist/web) */
  webRoot?: string;
  /** request body limit in bytes (default 20 MiB) */
  maxBody?: number;
  /** bytes of request bodies held by all requests together (default 4 × maxBody); more → 503 */
  maxBuffered?: number;
  /** open connections served (default 256); a request on a connection past them → 503 */
  maxConnections?: number;
  /** ms for a request's headers to arrive (default 20 s; then 408) */
  headersTimeoutMs?: number;
  /** decoded image limit in pixels (default 50 M, also the most preprocessing accepts) */
  maxPixels?: number;
  /** predictions run at once (default 1) */
  concurrency?: number;
  /** predictions waiting beyond those (default 16); more → 503 */
  queue?: number;
  /** ms without upload data before a request is dropped (default 10 s) */
  uploadIdleMs?: number;
  /** Retry-After seconds sent with 503 (default 1) */
  retryAfter?: number;
  /** one line per request (default: none) */
  log?: (line: string) => void;
}

export interface FacetServer {
  server: Server;
  queue: WorkQueue;
  /** the bounds in force: body bytes buffered at once, open connections served */
  limits: { maxBuffered: number; maxConnections: number };
  /** requests being read, queued or run (for tests and /healthz) */
  stats(): { inFlight: number; uploads: number; running: number; queued: number; served: number; rejected: number; buffered: number; connections: number };
  listen(port: number, host: string): Promise<{ port: number; host: string; url: string }>;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // everything comes from this server; wasm needs 'wasm-unsafe-eval', ORT's threads start workers
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:; " +
    "style-src 'self' 'unsafe-inline'; connect-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message, status }, headers);
}

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>facet</title>
<body style="font:16px system-ui;margin:3em;max-width:40em">
<h1>facet</h1><p>The web app has not been built. Run <code>npm run build:web</code> in packages/facet
(or <code>npm run build</code>), then restart <code>facet serve</code>.</p>
<p>The API works: <code>POST /v1/predict</code> with an image body (<code>?align=aligned</code> for an aligned face crop), <code>GET /healthz</code>.</p></body>`;

export function createFacetServer(o: ServerOptions): FacetServer {
  const predictor = o.predictor;
  const maxBody = o.maxBody ?? 20 * 1024 * 1024;
  const budget = new ByteBudget(o.maxBuffered ?? 4 * maxBody);
  if (budget.limit < maxBody)
    throw new RangeError(`--max-buffered (${budget.limit} bytes) must be at least --max-body (${maxBody} bytes), or no upload of that size could ever be read`);
  const maxConnections = o.maxConnections ?? 256;
  const retryAfter = String(o.retryAfter ?? 1);
  const maxPixels = o.maxPixels ?? MAX_INPUT_PIXELS;
  const queue = new WorkQueue(o.concurrency ?? 1, o.queue ?? 16);
  const webRoot = o.webRoot ?? join(packageRoot(), 'dist', 'web');
  const samples = o.samples ?? [];
  const onnxEtag = `"${createHash('sha256').update(predictor.onnx).digest('hex').slice(0, 32)}"`;
  const modelJson = JSON.stringify({ ...predictor.config, onnxBytes: predictor.onnx.length, facetVersion: FACET_VERSION });
  const started = Date.now();
  let inFlight = 0;
  let uploads = 0;
  let served = 0;
  let connections = 0;

  const health = (): unknown => ({
    status: 'ok',
    version: FACET_VERSION,
    model: modelSummary(predictor.config, predictor.runtime),
    align: predictor.align,
    queue: { running: queue.running, queued: queue.queued, concurrency: queue.concurrency, max_queued: queue.maxQueued, rejected: queue.rejected },
    buffered: { bytes: budget.held, max_bytes: budget.limit },
    connections: { open: connections, max: maxConnections },
    uptime_s: Math.round((Date.now() - started) / 1000),
  });

  async function predict(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean, url: URL, lease: ByteLease): Promise<void> {
    // ?align=aligned: the upload is an aligned face crop (no detection); default: the server's ('detect' unless --aligned)
    const align = url.searchParams.get('align') ?? predictor.align;
    if (align !== 'detect' && align !== 'aligned') {
      res.setHeader('Connection', 'close');
      throw new HttpError(400, `align must be 'detect' (find and align the faces) or 'aligned' (the image is an aligned face crop), got '${align}'`);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const declared = CONTENT_TYPES[type];
    if (!declared) {
      res.setHeader('Connection', 'close');
      throw new HttpError(415, `Content-Type must be image/jpeg, image/png or image/webp${type ? `, got ${type}` : ' (none given)'}`);
    }
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > maxBody) {
      res.setHeader('Connection', 'close');
      throw new HttpError(413, `body of ${length} bytes is over the limit of ${maxBody} bytes (--max-body)`);
    }
    // 'Expect: 100-continue': the client sends the body only once the checks above pass
    if (expectsContinue) res.writeContinue();
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let body: Buffer;
    uploads++;
    try {
      body = await readBody(req, { maxBytes: maxBody, idleMs: o.uploadIdleMs ?? 10_000, lease, budgetLimit: budget.limit, retryAfter: o.retryAfter ?? 1 });
    } catch (e) {
      res.setHeader('Connection', 'close');
      throw e;
    } finally {
      uploads--;
    }
    if (body.length === 0) throw new HttpError(400, 'empty body: send the image bytes as the request body');
    const format = sniffImage(body);
    if (!format) throw new HttpError(400, `the body is not a JPEG, PNG or WebP image (declared ${type}; first bytes ${body.subarray(0, 8).toString('hex')})`);
    const result = await queue.run(() => predictor.predict(body, format, maxPixels, align), abort.signal);
    sendJson(res, 200, result);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean, lease: ByteLease): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (connections > maxConnections) {
      res.setHeader('Connection', 'close');
      throw new HttpError(503, `server busy: ${connections} connections open, this server serves ${maxConnections} (--max-connections); retry later`, {
        'Retry-After': retryAfter,
      });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const only = (...allowed: string[]): boolean => {
      if (allowed.includes(method)) return true;
      res.setHeader('Connection', 'close');
      sendError(res, 405, `${method} is not allowed on ${path} (use ${allowed.join(' or ')})`, { Allow: allowed.join(', ') });
      return false;
    };
    if (path === '/v1/predict') {
      if (only('POST')) await predict(req, res, expectsContinue, url, lease);
      return;
    }
    if (path === '/healthz') {
      if (only('GET', 'HEAD')) sendJson(res, 200, health());
      return;
    }
    if (path.startsWith('/v1/')) {
      sendError(res, 404, `no such endpoint: ${path}`);
      return;
    }
    if (!only('GET', 'HEAD')) return;
    if (path === '/model.onnx') {
      res.setHeader('ETag', onnxEtag);
      res.setHeader('Cache-Control', 'no-cache');
      if (req.headers['if-none-match'] === onnxEtag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': predictor.onnx.length });
      res.end(method === 'HEAD' ? undefined : predictor.onnx);
      return;
    }
    if (path === '/model.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : modelJson);
      return;
    }
    if (path === '/samples.json') {
      sendJson(
        res,
        200,
        samples.map((s) => ({ name: s.name, url: `/samples/${s.name}`, width: s.width, height: s.height })),
      );
      return;
    }
    if (path.startsWith('/samples/')) {
      const s = samples.find((x) => `/samples/${x.name}` === path);
      if (!s) {
        sendError(res, 404, `no such sample: ${path}`);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': s.jpeg.length, 'Cache-Control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : s.jpeg);
      return;
    }
    if (serveStatic(webRoot, path, req, res)) return;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(method === 'HEAD' ? undefined : NOT_BUILT_PAGE);
      return;
    }
    sendError(res, 404, `not found: ${path}`);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    const t0 = performance.now();
    inFlight++;
    const lease = budget.lease();
    let counted = false;
    const done = (): void => {
      if (counted) return;
      counted = true;
      inFlight--;
      served++;
      lease.release();
      // nothing sent: the client left first (res.statusCode would still say 200)
      const status = res.headersSent ? String(res.statusCode) : '499 (client closed the connection first)';
      o.log?.(`${req.method} ${req.url} ${status} ${(performance.now() - t0).toFixed(1)}ms`);
    };
    res.on('close', done);
    handle(req, res, expectsContinue, lease).catch((e: unknown) => {
      if (e instanceof HttpError) {
        if (e.status === 499) {
          res.destroy(); // nobody is listening
          return;
        }
        sendError(res, e.status, e.message, e.headers);
      } else if (e instanceof QueueFullError) {
        sendError(res, 503, e.message, { 'Retry-After': retryAfter });
      } else if (e instanceof AbortedError) {
        res.destroy();
      } else {
        o.log?.(`error in ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
        sendError(res, 500, `internal error: ${(e as Error)?.message ?? String(e)}`);
      }
    });
  };
  const headersTimeout = o.headersTimeoutMs ?? 20_000;
  // node checks the headers and request timeouts on this interval (its default: 30 s)
  const server = createServer({ connectionsCheckingInterval: Math.min(1_000, headersTimeout) }, (req, res) => onRequest(req, res, false));
  server.on('checkContinue', (req, res) => onRequest(req, res, true));
  server.headersTimeout = headersTimeout;
  server.requestTimeout = Math.max(120_000, headersTimeout);
  server.keepAliveTimeout = 5_000;
  // Past twice the cap, connections are dropped at accept, before any parsing; between
  // the cap and that, their requests are answered 503 (handle()).
  server.maxConnections = 2 * maxConnections;
  server.on('connection', (socket) => {
    connections++;
    socket.once('close', () => connections--);
  });
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket) => {
    const status = clientErrorStatus(err, maxHeaderSize);
    if (status !== null && socket.writable && !socket.destroyed) {
      const why = {
        400: `malformed request (${err.message})`,
        408: `the request headers did not arrive within ${headersTimeout} ms`,
        414: `the request line (URL) is too long: the request line and headers may take ${maxHeaderSize} bytes`,
        431: `the request headers are over ${maxHeaderSize} bytes`,
      }[status];
      const text = JSON.stringify({ error: why, status });
      socket.end(
        `HTTP/1.1 ${status} ${CLIENT_ERROR_REASONS[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    } else socket.destroy();
  });

  return {
    server,
    queue,
    limits: { maxBuffered: budget.limit, maxConnections },
    stats: () => ({ inFlight, uploads, running: queue.running, queued: queue.queued, served, rejected: queue.rejected, buffered: budget.held, connections }),
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve({ port: a.port, host: a.address, url: `http://${h}:${a.port}/` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Whether the web app has been built where the server looks for it. */
export function webBuilt(webRoot = join(packageRoot(), 'dist', 'web')): boolean {
  return existsSync(join(webRoot, 'index.html'));
}
