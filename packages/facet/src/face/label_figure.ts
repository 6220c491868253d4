/**
 * The figure of a `facet label` folder: a dozen of its faces with their masks and
 * landmarks drawn over them, read back from disk (so it shows what training will see).
 */
import { readFaceLabels } from '../data/face_labels.js';
import { loadImage, loadMaskSource } from '../data/image.js';
import { coarsePalette } from '../viz/color.js';
import { labelGrid, type LabelGridItem } from '../viz/label_grid.js';

export interface LabelFigureOptions {
  /** faces shown (default 12), spread evenly over the labelled faces */
  count?: number;
  columns?: number;
  title?: string;
}

/** Writes the figure of the labels folder `dir` to `path` (PNG). Returns the ids shown. */
export async function writeLabelFigure(dir: string, path: string, options: LabelFigureOptions = {}): Promise<string[]> {
  const ds = readFaceLabels(dir);
  const all = ds.items();
  if (all.length === 0) throw new Error(`${dir}: no labelled faces to draw`);
  const n = Math.min(options.count ?? 12, all.length);
  const picked = Array.from({ length: n }, (_, k) => all[Math.floor((k * all.length) / n)]!);
  const set = ds.coarseLabels!;
  const items: LabelGridItem[] = [];
  for (const it of picked) {
    const img = await loadImage(it.imagePath, it);
    const mask = await loadMaskSource(it.mask!, it);
    // CelebA's landmarks are pixel indices; the grid draws continuous coordinates (pixel centre = index + ½)
    const points = it.landmarks ? Array.from(it.landmarks, (v) => v + 0.5) : undefined;
    const item: LabelGridItem = { rgb: img.data, width: img.width, height: img.height, labels: mask.data, caption: it.id };
    if (points) item.points = points;
    items.push(item);
  }
  await labelGrid(items, path, {
    classNames: set.names,
    palette: coarsePalette(set),
    columns: options.columns ?? 4,
    ...(options.title ? { title: options.title } : {}),
  });
  return picked.map((it) => it.id);
}
