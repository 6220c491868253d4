// A photo's prediction as plain JSON: what `facet predict --json` prints per photo, what
// `--out` writes (with `full`: heat maps, each face's parse and the parse over the whole
// photo) and the shape POST /v1/predict answers with.
import type { AlignMode, FacePrediction, ImageSize, PredictionResult, Runtime } from './predict.js';
import { topRegions } from '../model_io/top_regions.js';

/** One attribute's heat map, gridHeight×gridWidth. */
export function heatmapOf(f: FacePrediction, attribute: number): Float32Array {
  const n = f.gridHeight * f.gridWidth;
  return f.heatmaps.subarray(attribute * n, (attribute + 1) * n);
}

/** A label map as JSON: one string per row, one digit (region index) per pixel. */
export interface ParseJson {
  width: number;
  height: number;
  regions: string[];
  rows: string[];
}

/** The parse over the whole photo, on a grid `scale` photo pixels to a cell. */
export interface PhotoParseJson extends ParseJson {
  /** photo pixels per parse pixel (a whole number: the grid is the photo reduced by it) */
  scale: number;
}

export interface FaceJson {
  /** photo pixels: the detector's box (detect), or the part of the image the network saw (aligned) */
  box: { x: number; y: number; width: number; height: number };
  /** the detector's face score, 0..1 (null with --aligned) */
  score: number | null;
  /** CelebA's five landmarks in photo pixels, continuous coordinates (0 = the photo's left/top edge); null with --aligned */
  landmarks: {
    lefteye: [number, number];
    righteye: [number, number];
    nose: [number, number];
    leftmouth: [number, number];
    rightmouth: [number, number];
  } | null;
  /** attribute → probability */
  attributes: Record<string, number>;
  /** region → fraction of the input's pixels */
  regions: Record<string, number>;
  /** attribute → { region → weight } (SSP's region weights; each sums to 1) */
  region_weights: Record<string, Record<string, number>>;
  /** attribute → the region with the largest weight */
  top_region: Record<string, string>;
  /** full only: attribute → its heat map, rows of the grid */
  heatmaps?: { grid: ImageSize; maps: Record<string, number[][]> };
  /** full only: the parse on the network's input (the aligned crop at the input size) */
  parse?: ParseJson;
}

export interface PredictionJson {
  image: string;
  /** the photo's size, upright */
  size: ImageSize;
  input_size: ImageSize;
  runtime: Runtime;
  /** 'detect': faces found and aligned; 'aligned': the image taken as an aligned crop */
  align: AlignMode;
  /** largest first; empty when no face was found */
  faces: FaceJson[];
  /** present when there is no prediction, saying why */
  note?: string;
  /** full only: every face's parse drawn back onto the photo, background elsewhere */
  photo_parse?: PhotoParseJson;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

function parseJson(labels: Uint8Array, width: number, height: number, regions: readonly string[]): ParseJson {
  if (regions.length > 10) throw new Error('toJson: the parse is written one digit per pixel (at most 10 regions)');
  const rows = Array.from({ length: height }, (_, y) => Array.from(labels.subarray(y * width, (y + 1) * width)).join(''));
  return { width, height, regions: [...regions], rows };
}

function faceJson(p: PredictionResult, f: FacePrediction, full: boolean): FaceJson {
  const A = p.attributeNames.length;
  const attributes: Record<string, number> = {};
  const weights: Record<string, Record<string, number>> = {};
  const top: Record<string, string> = {};
  const tops = topRegions(f.regionWeights, A, p.regionNames.length);
  p.attributeNames.forEach((name, a) => {
    attributes[name] = f.probabilities[a]!;
    const w: Record<string, number> = {};
    p.regionNames.forEach((r, ri) => (w[r] = f.regionWeights[ri * A + a]!));
    weights[name] = w;
    top[name] = p.regionNames[tops[a]!]!;
  });
  const regions: Record<string, number> = {};
  p.regionNames.forEach((r, ri) => (regions[r] = f.regionFractions[ri]!));
  const l = f.landmarks;
  const pt = (k: number): [number, number] => [round2(l![2 * k]!), round2(l![2 * k + 1]!)];
  const json: FaceJson = {
    box: { x: round2(f.box.x), y: round2(f.box.y), width: round2(f.box.width), height: round2(f.box.height) },
    score: f.score,
    landmarks: l ? { lefteye: pt(0), righteye: pt(1), nose: pt(2), leftmouth: pt(3), rightmouth: pt(4) } : null,
    attributes,
    regions,
    region_weights: weights,
    top_region: top,
  };
  if (full) {
    const maps: Record<string, number[][]> = {};
    p.attributeNames.forEach((name, a) => {
      const m = heatmapOf(f, a);
      maps[name] = Array.from({ length: f.gridHeight }, (_, y) => Array.from(m.subarray(y * f.gridWidth, (y + 1) * f.gridWidth)));
    });
    json.heatmaps = { grid: { width: f.gridWidth, height: f.gridHeight }, maps };
    json.parse = parseJson(f.labels, p.inputSize.width, p.inputSize.height, p.regionNames);
  }
  return json;
}

/**
 * The prediction as plain JSON (what `facet predict --json` prints); with full, also each
 * face's heat maps (arrays on the grid) and parse, and the parse over the photo (what
 * `--out` writes).
 */
export function toJson(p: PredictionResult, options: { full?: boolean } = {}): PredictionJson {
  const full = options.full ?? false;
  const json: PredictionJson = {
    image: p.image,
    size: { ...p.size },
    input_size: { ...p.inputSize },
    runtime: p.runtime,
    align: p.align,
    faces: p.faces.map((f) => faceJson(p, f, full)),
  };
  if (p.note !== undefined) json.note = p.note;
  if (full) json.photo_parse = { ...parseJson(p.photoLabels, p.preview.width, p.preview.height, p.regionNames), scale: p.preview.scale };
  return json;
}
