// Reads a request body into memory with a byte limit and an idle timeout. A declared
// Content-Length over the limit is refused before a byte is read; a body that grows past
// it, stalls, or is aborted by the client is dropped (chunks released, listeners removed).
// Every byte held is first taken from the server's shared budget (byte_budget.ts): a
// body that does not fit there is refused with 503 rather than read.
import type { IncomingMessage } from 'node:http';
import type { ByteLease } from './byte_budget.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ReadBodyOptions {
  maxBytes: number;
  /** ms without data before the upload is dropped (408) */
  idleMs: number;
  /** the request's share of the server's buffered bytes */
  lease: ByteLease;
  /** the server's budget, for the 503 message */
  budgetLimit: number;
  /** Retry-After seconds sent with a 503 */
  retryAfter: number;
}

function busy(o: ReadBodyOptions): HttpError {
  return new HttpError(503, `server busy: uploads in progress hold the ${o.budgetLimit} bytes this server buffers at once (--max-buffered); retry later`, {
    'Retry-After': String(o.retryAfter),
  });
}

export function readBody(req: IncomingMessage, o: ReadBodyOptions): Promise<Buffer> {
  const declared = req.headers['content-length'];
  let expected = -1;
  if (declared !== undefined) {
    const n = Number(declared);
    if (Number.isFinite(n) && n > o.maxBytes) {
      return Promise.reject(new HttpError(413, `body of ${n} bytes is over the limit of ${o.maxBytes} bytes (--max-body)`));
    }
    if (Number.isInteger(n) && n >= 0) expected = n;
  }
  // A declared length is taken from the budget whole, before a byte is read, and read
  // into one buffer of that size (one allocation, returned whole when freed, where many
  // 64 KiB chunks would fragment the heap).
  if (expected >= 0 && !o.lease.take(expected)) return Promise.reject(busy(o));
  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let whole: Buffer | null = expected >= 0 ? Buffer.allocUnsafeSlow(expected) : null;
    let size = 0;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      if (err) {
        chunks = [];
        whole = null;
        // stop reading; the connection is closed after the error reply (or is gone already)
        req.pause();
        reject(err);
      } else {
        const body = whole ? whole.subarray(0, size) : Buffer.concat(chunks, size);
        chunks = [];
        whole = null;
        resolve(body);
      }
    };
    const arm = (): NodeJS.Timeout => setTimeout(() => finish(new HttpError(408, `upload stalled: no data for ${o.idleMs} ms`)), o.idleMs);
    let timer = arm();
    const onData = (c: Buffer): void => {
      if (size + c.length > o.maxBytes) {
        finish(new HttpError(413, `body is over the limit of ${o.maxBytes} bytes (--max-body)`));
        return;
      }
      if (whole) {
        // node's parser passes no more than the declared length; checked all the same
        if (size + c.length > whole.length) {
          finish(new HttpError(400, `body longer than its Content-Length of ${whole.length} bytes`));
          return;
        }
        c.copy(whole, size);
      } else {
        if (!o.lease.take(c.length)) {
          finish(busy(o));
          return;
        }
        chunks.push(c);
      }
      size += c.length;
      timer.refresh();
    };
    const onEnd = (): void => finish(null);
    const onError = (e: Error): void => finish(new HttpError(400, `upload failed: ${e.message}`));
    const onAborted = (): void => finish(new HttpError(499, 'client closed the connection during the upload'));
    const onClose = (): void => {
      if (!req.complete) onAborted();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onClose);
  });
}

/** '20MB', '512k', '1.5 MiB', '1000' → bytes (k/M/G are binary multiples, as tools commonly mean for uploads). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: '${text}' (e.g. 20MB, 512KB, 1000000)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Math.floor(Number(m[1]) * mult);
  if (!(n > 0)) throw new Error(`size must be positive: '${text}'`);
  return n;
}
