// Reads a request body into memory with a byte limit and an idle timeout. A declared
// Content-Length over the limit is refused before a byte is read; a body that grows past
// it, stalls, or is aborted by the client is dropped (chunks released, listeners removed).
import type { IncomingMessage } from 'node:http';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ReadBodyOptions {
  maxBytes: number;
  /** ms without data before the upload is dropped (408) */
  idleMs: number;
}

export function readBody(req: IncomingMessage, o: ReadBodyOptions): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (Number.isFinite(n) && n > o.maxBytes) {
      return Promise.reject(new HttpError(413, `body of ${n} bytes is over the limit of ${o.maxBytes} bytes (--max-body)`));
    }
  }
  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
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
        // stop reading; the connection is closed after the error reply (or is gone already)
        req.pause();
        reject(err);
      } else {
        const body = Buffer.concat(chunks, size);
        chunks = [];
        resolve(body);
      }
    };
    const arm = (): NodeJS.Timeout => setTimeout(() => finish(new HttpError(408, `upload stalled: no data for ${o.idleMs} ms`)), o.idleMs);
    let timer = arm();
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > o.maxBytes) {
        finish(new HttpError(413, `body is over the limit of ${o.maxBytes} bytes (--max-body)`));
        return;
      }
      chunks.push(c);
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
