// Files of the built web app (dist/web), read from disk per request: no path escapes the
// root, hashed assets are cached for good, everything else is revalidated.
import { createReadStream, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

export const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file under `root` for a URL path, or null (outside the root, hidden, not a file). */
export function resolveStatic(root: string, urlPath: string): { path: string; stat: Stats } | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.split('/').some((p) => p.startsWith('.') && p !== '')) return null;
  if (rel.endsWith('/')) rel += 'index.html';
  const base = resolve(root);
  const path = resolve(join(base, rel));
  if (path !== base && !path.startsWith(base + sep)) return null;
  try {
    const stat = statSync(path);
    return stat.isFile() ? { path, stat } : null;
  } catch {
    return null;
  }
}

/** Serves the file (GET or HEAD); false when there is none. */
export function serveStatic(root: string, urlPath: string, req: IncomingMessage, res: ServerResponse): boolean {
  const found = resolveStatic(root, urlPath);
  if (!found) return false;
  const etag = `W/"${found.stat.size.toString(16)}-${Math.floor(found.stat.mtimeMs).toString(16)}"`;
  res.setHeader('Content-Type', MIME[extname(found.path).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Cache-Control', urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304).end();
    return true;
  }
  res.setHeader('Content-Length', found.stat.size);
  if (req.method === 'HEAD') {
    res.writeHead(200).end();
    return true;
  }
  res.writeHead(200);
  const stream = createReadStream(found.path);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
  return true;
}
