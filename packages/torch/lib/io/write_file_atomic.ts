// The one way facet writes a file (weights, bundles, reports, figures, run files): a reader
// sees the old file or the whole new one, never half of it, even after a crash.
//
// Pure node:fs, no native code: torch-free consumers (ONNX inference, the figures, the
// labeller) import it as '@facet/torch/write-file-atomic'.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes bytes to path atomically: a temp file in the same folder (created if missing),
 * fsync, rename.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok)
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  // Make the rename itself durable (not possible on every platform).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directories cannot be fsync'd here */
  }
}
