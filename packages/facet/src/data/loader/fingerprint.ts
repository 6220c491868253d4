// What the decoded cache knows of an item's files: the size and modification time
// (ns) of the image and of each mask file. Paths alone are not enough: replacing a data
// set's images in place must not leave training on the old pixels.
import { statSync } from 'node:fs';
import type { FaceItem, MaskSource } from '../types.js';

function maskFiles(mask: MaskSource): string[] {
  switch (mask.kind) {
    case 'helen':
      return mask.paths;
    case 'celebamask-hq':
      return mask.parts.map((p) => p.path);
    default:
      return [mask.path];
  }
}

/** The files an item's record is decoded from. */
export function itemFiles(item: FaceItem): string[] {
  return item.mask ? [item.imagePath, ...maskFiles(item.mask)] : [item.imagePath];
}

/** "size:mtimeNs" of each of the item's files, '|'-joined ("missing" for an absent one). */
export function itemFingerprint(item: FaceItem): string {
  return itemFiles(item)
    .map((path) => {
      try {
        const s = statSync(path, { bigint: true });
        return `${s.size}:${s.mtimeNs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/**
 * Why a cache built from `stored` fingerprints no longer matches the items (null: it
 * does): how many items changed, and the first one's files.
 */
export function fingerprintMismatch(items: readonly FaceItem[], stored: readonly string[] | undefined, now: readonly string[]): string | null {
  if (!stored) return 'it was built by an older facet, without file fingerprints';
  if (stored.length !== items.length) return `it holds ${stored.length} items, the data ${items.length}`;
  const changed: number[] = [];
  for (let i = 0; i < items.length; i++) if (stored[i] !== now[i]) changed.push(i);
  if (changed.length === 0) return null;
  const first = items[changed[0]!]!;
  return `${changed.length} of ${items.length} items changed on disk since it was built (size or time of ${itemFiles(first).join(', ')})`;
}
