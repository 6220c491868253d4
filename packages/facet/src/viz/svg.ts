// Small SVG builders for the figures: text, axes with ticks and labels, line charts,
// legends and colour bars. Rendered to PNG by sharp (librsvg) with DejaVu Sans.
import type { Rgb } from './color.js';
import type { Colormap } from './colormap.js';
import { rgbHex } from './color.js';

export const FONT = 'DejaVu Sans, sans-serif';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rough rendered width of a string in DejaVu Sans (≈ 0.6 em per character). */
export function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

export function svgDoc(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(width)}" height="${Math.round(height)}" ` +
    `viewBox="0 0 ${Math.round(width)} ${Math.round(height)}" font-family="${FONT}">` +
    `<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>${body}</svg>`
  );
}

export interface TextOptions {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  /** rotation in degrees about (x, y) */
  rotate?: number;
  /** vertical alignment: 'baseline' (default) or 'middle' (centred on y) */
  valign?: 'baseline' | 'middle';
}

export function text(x: number, y: number, s: string, o: TextOptions = {}): string {
  const size = o.size ?? 12;
  const yy = o.valign === 'middle' ? y + size * 0.35 : y;
  const rot = o.rotate ? ` transform="rotate(${o.rotate} ${fmt(x)} ${fmt(y)})"` : '';
  return (
    `<text x="${fmt(x)}" y="${fmt(yy)}" font-size="${size}" text-anchor="${o.anchor ?? 'start'}"` +
    `${o.weight === 'bold' ? ' font-weight="bold"' : ''} fill="${o.fill ?? '#222222'}"${rot}>${esc(s)}</text>`
  );
}

export function rect(x: number, y: number, w: number, h: number, fill: string, stroke?: string, strokeWidth = 1): string {
  const s = stroke ? ` stroke="${stroke}" stroke-width="${strokeWidth}"` : '';
  return `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="${fill}"${s}/>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke = '#444444', width = 1, dash?: string): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** A tick label: compact, without trailing zeros (1e-3 style for tiny or huge values). */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(4)));
}

/** "Nice" linear ticks (1, 2, 5 × 10^k steps) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Log ticks in [lo, hi] (lo > 0): decades, plus 2× and 5× when the span is under ~2 decades. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const fine = Math.log10(hi / lo) < 2;
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of fine ? [1, 2, 5] : [1]) {
      const v = m * 10 ** k;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

/** A categorical palette for line series (Tableau 10). */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
}

export interface LineChartOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** logarithmic y axis (non-positive values are left out) */
  logY?: boolean;
}

/** The chart's plot rectangle and scales, exposed so tests can locate data. */
export interface ChartFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  x: (v: number) => number;
  y: (v: number) => number;
}

/** A line chart with axes, ticks, grid, axis labels and a legend. Returns the SVG and its frame. */
export function lineChart(series: readonly LineSeries[], o: LineChartOptions = {}): { svg: string; frame: ChartFrame } {
  const W = o.width ?? 800;
  const H = o.height ?? 480;
  const usable = (v: number): boolean => Number.isFinite(v) && (!o.logY || v > 0);
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !usable(y)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (x0 > x1) {
    x0 = 0;
    x1 = 1;
    y0 = o.logY ? 0.1 : 0;
    y1 = 1;
  }
  if (x0 === x1) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (y0 === y1) {
    if (o.logY) {
      y0 /= 2;
      y1 *= 2;
    } else {
      y0 -= 0.5;
      y1 += 0.5;
    }
  }
  let yTicks: number[];
  if (o.logY) {
    y0 = 10 ** (Math.floor(Math.log10(y0) * 10) / 10);
    y1 = 10 ** (Math.ceil(Math.log10(y1) * 10) / 10);
    yTicks = logTicks(y0, y1);
    // under a decade with no 1-2-5 value inside: linear ticks on the log axis
    if (yTicks.length < 2) yTicks = niceTicks(y0, y1, 5).filter((t) => t > 0);
  } else {
    const pad = (y1 - y0) * 0.05;
    const t = niceTicks(y0 - pad, y1 + pad, 6);
    y0 = Math.min(y0 - pad, t[0]!);
    y1 = Math.max(y1 + pad, t[t.length - 1]!);
    yTicks = niceTicks(y0, y1, 6);
  }
  const xTicks = niceTicks(x0, x1, 7);
  const left = 78,
    right = 20,
    top = o.title ? 40 : 16,
    bottom = 56;
  const pw = W - left - right,
    ph = H - top - bottom;
  const sx = (v: number): number => left + ((v - x0) / (x1 - x0)) * pw;
  const sy = o.logY
    ? (v: number): number => top + ph - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph
    : (v: number): number => top + ph - ((v - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  if (o.title) parts.push(text(W / 2, 24, o.title, { size: 16, anchor: 'middle', weight: 'bold' }));
  parts.push(rect(left, top, pw, ph, '#ffffff', '#888888'));
  for (const t of yTicks) {
    const y = sy(t);
    parts.push(line(left, y, left + pw, y, '#e4e4e4'), line(left - 5, y, left, y, '#444444'));
    parts.push(text(left - 8, y, tickLabel(t), { size: 12, anchor: 'end', valign: 'middle' }));
  }
  for (const t of xTicks) {
    const x = sx(t);
    parts.push(line(x, top, x, top + ph, '#efefef'), line(x, top + ph, x, top + ph + 5, '#444444'));
    parts.push(text(x, top + ph + 20, tickLabel(t), { size: 12, anchor: 'middle' }));
  }
  if (o.xLabel) parts.push(text(left + pw / 2, H - 12, o.xLabel, { size: 14, anchor: 'middle' }));
  if (o.yLabel) parts.push(text(18, top + ph / 2, o.yLabel, { size: 14, anchor: 'middle', rotate: -90 }));
  parts.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath>`);
  series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
    let run: string[] = [];
    const flush = (): void => {
      if (run.length === 1) parts.push(`<circle cx="${run[0]!.split(',')[0]}" cy="${run[0]!.split(',')[1]}" r="2.5" fill="${color}" clip-path="url(#plot)"/>`);
      else if (run.length > 1)
        parts.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" clip-path="url(#plot)"/>`);
      run = [];
    };
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !usable(y)) {
        flush();
        continue;
      }
      run.push(`${sx(x).toFixed(2)},${sy(y).toFixed(2)}`);
    }
    flush();
  });
  if (series.length > 0) {
    const size = 12;
    const lw = Math.max(...series.map((s) => textWidth(s.name, size))) + 44;
    const lh = series.length * 18 + 10;
    const lx = left + pw - lw - 10,
      ly = top + 10;
    parts.push(rect(lx, ly, lw, lh, '#ffffff', '#bbbbbb'));
    series.forEach((s, i) => {
      const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
      const y = ly + 14 + i * 18;
      parts.push(line(lx + 8, y, lx + 30, y, color, 3), text(lx + 36, y, s.name, { size, valign: 'middle' }));
    });
  }
  return { svg: svgDoc(W, H, parts.join('')), frame: { left, top, width: pw, height: ph, x: sx, y: sy } };
}

/** A vertical colour bar (high values on top) with min/mid/max labels. */
export function colorbar(x: number, y: number, w: number, h: number, cmap: Colormap, min: number, max: number, label?: string): string {
  const steps = 64;
  const parts: string[] = [];
  for (let i = 0; i < steps; i++) {
    const t = 1 - (i + 0.5) / steps;
    parts.push(rect(x, y + (i * h) / steps, w, h / steps + 0.6, rgbHex(cmap(t))));
  }
  parts.push(rect(x, y, w, h, 'none', '#666666'));
  for (const [t, v] of [
    [1, max],
    [0.5, (min + max) / 2],
    [0, min],
  ] as const) {
    const yy = y + (1 - t) * h;
    parts.push(line(x + w, yy, x + w + 4, yy), text(x + w + 7, yy, tickLabel(Number(v.toPrecision(3))), { size: 11, valign: 'middle' }));
  }
  if (label) parts.push(text(x + w / 2, y - 8, label, { size: 11, anchor: 'middle' }));
  return parts.join('');
}

/** A row of colour swatches with names (the region palette legend). */
export function swatchLegend(x: number, y: number, entries: readonly { name: string; color: Rgb }[], size = 12): string {
  const parts: string[] = [];
  let cx = x;
  for (const e of entries) {
    parts.push(rect(cx, y - size / 2, size, size, rgbHex(e.color), '#555555'));
    parts.push(text(cx + size + 5, y, e.name, { size, valign: 'middle' }));
    cx += size + 5 + textWidth(e.name, size) + 14;
  }
  return parts.join('');
}

/** Width of a swatch legend, to lay it out. */
export function swatchLegendWidth(entries: readonly { name: string }[], size = 12): number {
  return entries.reduce((s, e) => s + size + 5 + textWidth(e.name, size) + 14, 0);
}
