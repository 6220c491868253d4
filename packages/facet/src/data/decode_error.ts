// Why an image did not decode, in words a user can act on. libvips keeps one error
// buffer for all threads, so under concurrent decodes (data check, the cache builder)
// sharp may report another file's message, the same line several times, or just
// "Unknown error". A cut-off JPEG or PNG is therefore recognised from the bytes
// themselves; otherwise the decoder's message is kept, its repeats folded.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const JPEG_START = [0xff, 0xd8, 0xff];
const PNG_START = [0x89, 0x50, 0x4e, 0x47];
/** bytes searched for the end marker: writers may append a little after it */
const TAIL = 1024;
const PNG_END = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]; // "IEND" + its CRC

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((v, i) => b[i] === v);
}

/** The first and last bytes of a file or buffer, and its size. */
function ends(source: string | Uint8Array): { head: Uint8Array; tail: Uint8Array; size: number } | null {
  if (typeof source !== 'string') return { head: source.subarray(0, 8), tail: source.subarray(Math.max(0, source.length - TAIL)), size: source.length };
  let fd: number | undefined;
  try {
    fd = openSync(source, 'r');
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(8, size));
    readSync(fd, head, 0, head.length, 0);
    const tail = new Uint8Array(Math.min(TAIL, size));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return { head, tail, size };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A truncation the bytes show ("a JPEG cut off: …"), or null. */
export function truncation(source: string | Uint8Array): string | null {
  const e = ends(source);
  if (!e) return null;
  // a JPEG ends with its end-of-image marker FF D9 (some writers pad after it)
  if (startsWith(e.head, JPEG_START)) {
    for (let i = e.tail.length - 2; i >= 0; i--) if (e.tail[i] === 0xff && e.tail[i + 1] === 0xd9) return null;
    return `a JPEG cut off: its ${e.size} bytes end without the end-of-image marker (FF D9)`;
  }
  if (startsWith(e.head, PNG_START)) {
    const t = e.tail;
    for (let i = 0; i + PNG_END.length <= t.length; i++) if (PNG_END.every((v, k) => t[i + k] === v)) return null;
    return `a PNG cut off: its ${e.size} bytes end without the IEND chunk`;
  }
  return null;
}

/** The reason to show for a failed decode of source (a path or the bytes). */
export function decodeFailure(source: string | Uint8Array, err: unknown): string {
  const cut = truncation(source);
  if (cut) return cut;
  const lines = [
    ...new Set(
      String((err as Error)?.message ?? err)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  const known = lines.filter((l) => l !== 'Unknown error');
  return known.length > 0 ? known.join('; ') : 'the decoder gave no reason (libvips: "Unknown error"); the file is damaged or not an image';
}
