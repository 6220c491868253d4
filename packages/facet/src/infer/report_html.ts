// One photo's prediction as a self-contained HTML page (no external resources): the photo
// with its faces' boxes and landmarks, the parse over the whole photo, and per face the
// aligned crop, the input the network saw with its parse, the attributes as sorted
// probability bars, and for the selected attribute its localization heat map (spec §10)
// and SSP's region weights. Images are inlined as base64 PNG data: URLs made with sharp;
// each face's first attribute's heat map is precomputed, the others are drawn by a small
// inline script from the grid values (float32, base64: so that the page stays a few
// hundred kB per face) with viz/colormap.ts itself, whose compiled source the page carries:
// the same pixels as the figures and the precomputed map.
import { readFileSync } from 'node:fs';
import { type Rgb, REGION_PALETTE, overlay, rgbHex } from '../viz/color.js';
import { heatRange, overlayHeat, turbo } from '../viz/colormap.js';
import { rgbToPng } from '../viz/io.js';
import { FACET_VERSION } from '../version.js';
import type { FacePrediction, PredictionResult } from './predict.js';
import { heatmapOf } from './prediction_json.js';
import { regionFractions } from '../model_io/parse_labels.js';
import { topRegions } from '../model_io/top_regions.js';

export interface ReportOptions {
  /** where the model came from (shown in the footer) */
  model?: string;
  /** the model's description from its bundle.json */
  description?: string;
  /** the attribute selected when the page opens (default: each face's most probable) */
  selected?: string;
}

export const HEAT_ALPHA = 0.5;
export const PARSE_ALPHA = 0.45;
/** Colours of the face boxes on the photo, by face (cycled). */
const BOX_COLOURS = ['#ffd400', '#00e5ff', '#ff4fd8', '#7cff4f', '#ff8a00', '#b18cff'];

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (name: string): string => name.replace(/_/g, ' ');
const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;
const num = (x: number): string => String(Math.round(x * 10) / 10);

async function pngDataUrl(rgb: Uint8Array, width: number, height: number): Promise<string> {
  return `data:image/png;base64,${(await rgbToPng(rgb, width, height)).toString('base64')}`;
}

/** The background region is black in the palette; drawn as a mid grey in legends and bars. */
function regionColour(r: number): string {
  const c: Rgb = REGION_PALETTE[r] ?? [128, 128, 128];
  return r === 0 ? '#8a8f98' : rgbHex(c);
}

/** CSS gradient stops of turbo, left (low) to right (high). */
function turboGradient(): string {
  const stops = Array.from({ length: 11 }, (_, i) => `${rgbHex(turbo(i / 10))} ${i * 10}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

function round4(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : 0;
}

function legendOf(p: PredictionResult, fractions: ArrayLike<number> | null): string {
  return p.regionNames
    .map(
      (name, r) =>
        `<li><span class="sw" style="background:${regionColour(r)}"></span>${esc(name)}${fractions ? `<span class="num">${pct(fractions[r]!)}</span>` : ''}</li>`,
    )
    .join('');
}

/** The photo's faces as SVG over the preview: numbered boxes and, when detected, the five landmarks. */
function boxesSvg(p: PredictionResult): string {
  const s = p.preview.scale;
  const stroke = Math.max(1.5, Math.max(p.preview.width, p.preview.height) / 250);
  const shapes = p.faces
    .map((f, i) => {
      const c = BOX_COLOURS[i % BOX_COLOURS.length]!;
      const x = f.box.x / s,
        y = f.box.y / s,
        w = f.box.width / s,
        h = f.box.height / s;
      const dots = f.landmarks
        ? Array.from(
            { length: 5 },
            (_, k) => `<circle cx="${num(f.landmarks![2 * k]! / s)}" cy="${num(f.landmarks![2 * k + 1]! / s)}" r="${num(stroke * 1.2)}" fill="${c}"/>`,
          ).join('')
        : '';
      const ty = y > 14 * stroke ? y - 3 * stroke : y + h + 10 * stroke;
      return (
        `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="none" stroke="${c}" stroke-width="${num(stroke)}"/>` +
        `<text x="${num(x)}" y="${num(ty)}" fill="${c}" font-size="${num(8 * stroke)}" font-weight="700" paint-order="stroke" stroke="#000" stroke-width="${num(stroke)}">${i + 1}</text>${dots}`
      );
    })
    .join('');
  return `<svg class="boxes" viewBox="0 0 ${p.preview.width} ${p.preview.height}" preserveAspectRatio="none" aria-hidden="true">${shapes}</svg>`;
}

interface FaceViews {
  html: string;
  data: unknown;
}

async function faceSection(p: PredictionResult, f: FacePrediction, i: number, options: ReportOptions): Promise<FaceViews> {
  const { width: W, height: H } = p.inputSize;
  const A = p.attributeNames.length;
  const R = p.regionNames.length;
  const tops = topRegions(f.regionWeights, A, R);
  const order = p.attributeNames.map((_, a) => a).sort((a, b) => f.probabilities[b]! - f.probabilities[a]!);
  const selected = options.selected !== undefined ? p.attributeNames.indexOf(options.selected) : order[0]!;
  if (selected < 0) throw new Error(`report: no attribute '${options.selected}'`);
  // the heat map of the selected attribute is computed here, as the figures do; the
  // script recomputes the same from the values below for the others
  const heat0 = overlayHeat(f.rgb, W, H, { data: heatmapOf(f, selected), height: f.gridHeight, width: f.gridWidth }, { alpha: HEAT_ALPHA });
  const [inputUrl, parseUrl, heatUrl, alignedUrl] = await Promise.all([
    pngDataUrl(f.rgb, W, H),
    pngDataUrl(overlay(f.rgb, f.labels, PARSE_ALPHA), W, H),
    pngDataUrl(heat0, W, H),
    f.aligned ? pngDataUrl(f.aligned.rgb, f.aligned.width, f.aligned.height) : Promise.resolve(''),
  ]);
  const data = {
    gh: f.gridHeight,
    gw: f.gridWidth,
    // A×gh×gw float32, little-endian as every browser's Float32Array
    heat: Buffer.from(f.heatmaps.buffer, f.heatmaps.byteOffset, f.heatmaps.byteLength).toString('base64'),
    attrs: p.attributeNames.map((name, a) => ({
      name,
      p: round4(f.probabilities[a]!),
      top: tops[a]!,
      weights: p.regionNames.map((_, r) => round4(f.regionWeights[r * A + a]!)),
    })),
  };
  const attrRows = order
    .map((a) => {
      const pr = f.probabilities[a]!;
      const name = p.attributeNames[a]!;
      const tr = tops[a]!;
      return (
        `<button class="attr${a === selected ? ' sel' : ''}" data-i="${a}" aria-pressed="${a === selected}" title="${esc(name)}: ${pct(pr, 2)}, lives mostly in ${esc(p.regionNames[tr]!)}">` +
        `<span class="an">${esc(pretty(name))}</span>` +
        `<span class="bar"><span class="fill${pr >= 0.5 ? ' pos' : ''}" style="width:${(100 * pr).toFixed(1)}%"></span></span>` +
        `<span class="pv">${pct(pr)}</span>` +
        `<span class="chip" style="background:${regionColour(tr)}" title="${esc(p.regionNames[tr]!)}"></span></button>`
      );
    })
    .join('\n');
  const weightRows = p.regionNames
    .map((name, r) => {
      const w = f.regionWeights[r * A + selected]!;
      return (
        `<div class="wr${r === tops[selected] ? ' top' : ''}"><span class="wn"><span class="sw" style="background:${regionColour(r)}"></span>${esc(name)}</span>` +
        `<span class="bar"><span class="fill" style="width:${(100 * w).toFixed(1)}%;background:${regionColour(r)}"></span></span><span class="pv">${w.toFixed(3)}</span></div>`
      );
    })
    .join('');
  const [lo, hi] = heatRange(heatmapOf(f, selected));
  const colour = BOX_COLOURS[i % BOX_COLOURS.length]!;
  const where =
    f.score !== null
      ? `box ${Math.round(f.box.width)}×${Math.round(f.box.height)} at (${Math.round(f.box.x)}, ${Math.round(f.box.y)}) · detector score ${f.score.toFixed(2)}`
      : `the image as an aligned crop: ${Math.round(f.box.width)}×${Math.round(f.box.height)} at (${Math.round(f.box.x)}, ${Math.round(f.box.y)})`;
  const aligned = f.aligned
    ? `<figure><img src="${alignedUrl}" alt="face ${i + 1} aligned" width="${f.aligned.width}" height="${f.aligned.height}"><figcaption><b>Aligned</b> · ${f.aligned.width}×${f.aligned.height}, as CelebA's crops</figcaption></figure>`
    : '';
  const html = `<section class="face" data-face="${i}">
<h2 class="fh"><span class="fn" style="background:${colour}">${i + 1}</span>Face ${i + 1} <span class="fw">${esc(where)}</span></h2>
<div class="fg">
<div>
<div class="card">
<div class="views">
${aligned}<figure><img class="photo" src="${inputUrl}" alt="face ${i + 1} as the model saw it" width="${W}" height="${H}"><figcaption><b>Input</b> · ${W}×${H}</figcaption></figure>
<figure><img src="${parseUrl}" alt="face ${i + 1} parse overlay" width="${W}" height="${H}"><figcaption><b>Parse</b> · share of pixels</figcaption><ul class="legend">${legendOf(p, f.regionFractions)}</ul></figure>
<figure><img class="heat" src="${heatUrl}" data-attribute="${esc(p.attributeNames[selected]!)}" alt="localization heat map" width="${W}" height="${H}"><figcaption><b>Where</b> <span class="heat-name">${esc(pretty(p.attributeNames[selected]!))}</span> lives</figcaption><div class="cbar"></div><div class="cbl"><span class="heat-lo">${round4(lo)}</span><span>low · high</span><span class="heat-hi">${round4(hi)}</span></div></figure>
</div>
</div>
<div class="card detail">
<h3>Selected attribute</h3>
<div class="sel-title">${esc(pretty(p.attributeNames[selected]!))}</div>
<div class="sel-sub">probability ${pct(f.probabilities[selected]!, 1)} · region weights (SSP; they sum to 1)</div>
<div class="weights">${weightRows}</div>
<p class="note">The heat map is Σ<sub>r</sub> w[r,a]·m<sub>r</sub>(x,y)·⟨W<sub>rec</sub>[a], A(x,y)⟩ on the ${f.gridHeight}×${f.gridWidth} grid of the last convolution, upsampled bilinearly and scaled from its minimum (blue) to its maximum (red) for each attribute. Click an attribute (or use ↑/↓) to see its map.</p>
</div>
</div>
<div class="card">
<h3>Attributes</h3>
<div class="attrs">
${attrRows}
</div>
</div>
</div>
</section>`;
  return { html, data };
}

export async function renderReportHtml(p: PredictionResult, options: ReportOptions = {}): Promise<string> {
  const { width: W, height: H } = p.inputSize;
  const A = p.attributeNames.length;
  const R = p.regionNames.length;
  const scale = Math.min(2, 228 / W);
  const dispW = Math.round(W * scale);
  const dispH = Math.round(H * scale);
  const faces = await Promise.all(p.faces.map((f, i) => faceSection(p, f, i, options)));
  const pv = p.preview;
  const [photoUrl, photoParseUrl] = await Promise.all([
    pngDataUrl(pv.rgb, pv.width, pv.height),
    pngDataUrl(overlay(pv.rgb, p.photoLabels, PARSE_ALPHA), pv.width, pv.height),
  ]);
  const data = { w: W, h: H, alpha: HEAT_ALPHA, regions: p.regionNames.map((name, r) => ({ name, colour: regionColour(r) })), faces: faces.map((f) => f.data) };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');

  const n = p.faces.length;
  const shown = pv.scale > 1 ? ` (shown at 1/${pv.scale}: ${pv.width}×${pv.height})` : '';
  const photoNote =
    p.align === 'detect'
      ? n === 0
        ? `No face was found in this photo, so nothing was predicted. If it is an aligned face crop (as CelebA's), run again with --aligned.`
        : `${n} face${n > 1 ? 's' : ''} found (largest first). Each was turned, scaled and cut out the way CelebA's crops are aligned (eyes level at a fixed place in a 178×218 frame), then brought to the model's ${W}×${H} input. The parse over the photo is each face's parse drawn back; pixels no face covers are background.`
      : p.size.width === W && p.size.height === H
        ? `The image was taken as an aligned face crop (--aligned) at the model's ${W}×${H} input size, and used as is; no face was looked for.`
        : `The image was taken as an aligned face crop (--aligned): it was scaled to cover the model's ${W}×${H} input keeping its aspect ratio, and centre-cropped (cover + centre crop, the box on the photo); no face was looked for.`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>facet — ${esc(basenameOf(p.image))}</title>
<style>
:root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --bg:#f5f6f8; --accent:#2f6fed; --pos:#2f6fed; --neg:#a9b4c6; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
header { padding:16px 24px 12px; background:#fff; border-bottom:1px solid var(--line); }
h1 { font-size:18px; margin:0 0 4px; font-weight:600; word-break:break-all; }
h2.fh { font-size:16px; margin:0 0 10px; font-weight:600; display:flex; align-items:center; gap:8px; flex-wrap:wrap; }
h3 { font-size:13px; margin:0 0 10px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
.fn { display:inline-block; min-width:22px; height:22px; border-radius:11px; text-align:center; color:#000; font-size:13px; line-height:22px; }
.fw { font-weight:400; color:var(--muted); font-size:13px; }
.meta { color:var(--muted); font-size:13px; }
.meta b { color:var(--fg); font-weight:500; }
main { padding:16px 24px; max-width:1240px; display:flex; flex-direction:column; gap:20px; }
.fg { display:grid; grid-template-columns:minmax(0,1fr) 340px; gap:16px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.views { display:flex; gap:14px; flex-wrap:wrap; }
figure { margin:0; }
.face figure img { display:block; width:${dispW}px; height:${dispH}px; border-radius:6px; background:#ddd; }
.face figcaption { width:${dispW}px; }
figcaption { font-size:12px; color:var(--muted); margin-top:6px; }
figcaption b { color:var(--fg); font-weight:600; }
.pw { position:relative; display:inline-block; max-width:100%; }
.pw img { display:block; max-width:100%; height:auto; border-radius:6px; background:#ddd; }
.pw svg.boxes { position:absolute; left:0; top:0; width:100%; height:100%; pointer-events:none; }
.photos figure { max-width:min(100%, ${pv.width}px); }
.legend { list-style:none; padding:0; margin:6px 0 0; display:grid; grid-template-columns:1fr 1fr; gap:2px 10px; font-size:12px; max-width:${dispW}px; }
.legend li { display:flex; align-items:center; gap:6px; }
.num { margin-left:auto; color:var(--muted); font-variant-numeric:tabular-nums; }
.sw { display:inline-block; width:10px; height:10px; border-radius:2px; flex:none; }
.cbar { height:8px; border-radius:4px; margin-top:6px; background:${turboGradient()}; width:${dispW}px; }
.cbl { display:flex; justify-content:space-between; font-size:11px; color:var(--muted); width:${dispW}px; font-variant-numeric:tabular-nums; }
.detail { margin-top:16px; }
.sel-title { font-size:16px; font-weight:600; margin:0 0 2px; }
.sel-sub { color:var(--muted); font-size:13px; margin-bottom:10px; }
.wr { display:grid; grid-template-columns:110px 1fr 52px; align-items:center; gap:8px; padding:2px 0; font-size:13px; }
.wr.top .wn { font-weight:600; }
.wn { display:flex; align-items:center; gap:6px; }
.bar { display:block; height:10px; background:#eef0f4; border-radius:5px; overflow:hidden; }
.fill { display:block; height:100%; background:var(--neg); border-radius:5px; }
.fill.pos { background:var(--pos); }
.pv { text-align:right; font-variant-numeric:tabular-nums; color:var(--muted); font-size:12px; }
.attrs { display:flex; flex-direction:column; gap:1px; }
button.attr { all:unset; display:grid; grid-template-columns:140px 1fr 46px 10px; align-items:center; gap:8px; padding:2px 6px; border-radius:6px; cursor:pointer; font-size:13px; }
button.attr:hover { background:#f0f3f9; }
button.attr:focus-visible { outline:2px solid var(--accent); }
button.attr.sel { background:#e6eefe; }
button.attr.sel .an { font-weight:600; }
.an { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.chip { width:10px; height:10px; border-radius:50%; }
.note { font-size:12px; color:var(--muted); margin-top:10px; }
.none { font-size:14px; color:#b42318; font-weight:500; }
footer { padding:0 24px 20px; color:var(--muted); font-size:12px; max-width:1240px; }
@media (max-width:900px) { .fg { grid-template-columns:1fr; } }
</style>
</head>
<body>
<header>
<h1>${esc(p.image)}</h1>
<div class="meta"><b>${p.size.width}×${p.size.height}</b> · ${p.align === 'detect' ? `<b>${n}</b> face${n === 1 ? '' : 's'} found` : 'taken as an aligned crop (--aligned)'} · runtime <b>${p.runtime}</b> · ${A} attributes · ${R} regions</div>
</header>
<main>
<section class="card">
<h3>Photo</h3>
<div class="views photos">
<figure><div class="pw"><img id="photo" src="${photoUrl}" alt="the photo with its faces boxed" width="${pv.width}" height="${pv.height}">${boxesSvg(p)}</div><figcaption><b>Photo</b> · ${p.size.width}×${p.size.height}${esc(shown)} · boxes numbered largest first</figcaption></figure>
<figure><div class="pw"><img id="photo-parse" src="${photoParseUrl}" alt="the parse over the whole photo" width="${pv.width}" height="${pv.height}"></div><figcaption><b>Parse over the photo</b> · background outside the faces</figcaption><ul class="legend">${legendOf(p, regionFractions(p.photoLabels, R))}</ul></figure>
</div>
${n === 0 && p.note ? `<p class="none">${esc(p.note)}</p>` : ''}
<p class="note">${esc(photoNote)}</p>
</section>
${faces.map((f) => f.html).join('\n')}
</main>
<footer>facet ${esc(FACET_VERSION)}${options.model ? ` · model ${esc(options.model)}` : ''}${options.description ? ` · ${esc(options.description)}` : ''}</footer>
<script type="application/json" id="facet-data">${json}</script>
<script type="module">
${colormapModule()}
${REPORT_SCRIPT}
</script>
</body>
</html>
`;
}

function basenameOf(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

let colormapSource: string | undefined;

/** viz/colormap.ts as compiled, run by the page as the module its script starts with. */
function colormapModule(): string {
  if (colormapSource === undefined) {
    const src = readFileSync(new URL('../viz/colormap.js', import.meta.url), 'utf8');
    // inlined, the module cannot import, and must not end the script element early
    if (/^\s*import\s/m.test(src) || /<\/script/i.test(src)) throw new Error('report: viz/colormap.js must import nothing and hold no </script');
    colormapSource = src.replace(/^\/\/# sourceMappingURL=.*$/m, '').trimEnd();
  }
  return colormapSource;
}

// The page's script, after viz/colormap.js in the same module: each face section on its
// own, its heat maps drawn by overlayHeat over the input's pixels as read back from its PNG.
const REPORT_SCRIPT = String.raw`{
  const D = JSON.parse(document.getElementById('facet-data').textContent);
  const round4 = (x) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : 0);
  const pretty = (n) => n.replace(/_/g, ' ');
  const floats = (b64) => {
    const s = atob(b64), u = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return new Float32Array(u.buffer);
  };
  document.querySelectorAll('section.face').forEach((sec) => {
    const F = D.faces[Number(sec.dataset.face)];
    const heatmaps = floats(F.heat), cells = F.gh * F.gw;
    const photo = sec.querySelector('img.photo');
    const heatImg = sec.querySelector('img.heat');
    let rgb = null;
    let current = -1;
    // the input as packed RGB, read back once from its (lossless) PNG
    const photoRgb = () => {
      if (rgb) return Promise.resolve(rgb);
      return (photo.decode ? photo.decode() : Promise.resolve()).then(() => {
        const c = document.createElement('canvas');
        c.width = D.w; c.height = D.h;
        const g = c.getContext('2d');
        g.drawImage(photo, 0, 0, D.w, D.h);
        const s = g.getImageData(0, 0, D.w, D.h).data;
        rgb = new Uint8Array(D.w * D.h * 3);
        for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) { rgb[i] = s[j]; rgb[i + 1] = s[j + 1]; rgb[i + 2] = s[j + 2]; }
        return rgb;
      });
    };
    const drawHeat = (a) => photoRgb().then((src) => {
      const heat = heatmaps.subarray(a * cells, (a + 1) * cells);
      const out = overlayHeat(src, D.w, D.h, { data: heat, height: F.gh, width: F.gw }, { alpha: D.alpha });
      const c = document.createElement('canvas');
      c.width = D.w; c.height = D.h;
      const g = c.getContext('2d');
      const img = g.createImageData(D.w, D.h), o = img.data;
      for (let i = 0, j = 0; i < out.length; i += 3, j += 4) { o[j] = out[i]; o[j + 1] = out[i + 1]; o[j + 2] = out[i + 2]; o[j + 3] = 255; }
      g.putImageData(img, 0, 0);
      if (current !== a) return;
      heatImg.src = c.toDataURL('image/png');
      heatImg.dataset.attribute = F.attrs[a].name;
      const [lo, hi] = heatRange(heat);
      sec.querySelector('.heat-lo').textContent = String(round4(lo));
      sec.querySelector('.heat-hi').textContent = String(round4(hi));
    });
    const weightRows = (a) => {
      const at = F.attrs[a];
      let html = '';
      D.regions.forEach((reg, r) => {
        const w = at.weights[r];
        html += '<div class="wr' + (r === at.top ? ' top' : '') + '"><span class="wn"><span class="sw" style="background:' + reg.colour + '"></span></span>' +
          '<span class="bar"><span class="fill" style="width:' + (100 * w).toFixed(1) + '%;background:' + reg.colour + '"></span></span><span class="pv">' + w.toFixed(3) + '</span></div>';
      });
      const box = sec.querySelector('.weights');
      box.innerHTML = html;
      box.querySelectorAll('.wn').forEach((el, r) => el.appendChild(document.createTextNode(D.regions[r].name)));
    };
    const select = (a) => {
      if (a === current) return;
      current = a;
      const at = F.attrs[a];
      sec.querySelectorAll('button.attr').forEach((b) => {
        const on = Number(b.dataset.i) === a;
        b.classList.toggle('sel', on);
        b.setAttribute('aria-pressed', String(on));
      });
      sec.querySelector('.sel-title').textContent = pretty(at.name);
      sec.querySelector('.heat-name').textContent = pretty(at.name);
      sec.querySelector('.sel-sub').textContent = 'probability ' + (100 * at.p).toFixed(1) + '% · region weights (SSP; they sum to 1)';
      weightRows(a);
      drawHeat(a).catch((e) => console.error(e));
    };
    const buttons = Array.from(sec.querySelectorAll('button.attr'));
    buttons.forEach((b, k) => {
      if (b.classList.contains('sel')) current = Number(b.dataset.i);
      b.addEventListener('click', () => select(Number(b.dataset.i)));
      b.addEventListener('keydown', (e) => {
        const next = e.key === 'ArrowDown' ? buttons[k + 1] : e.key === 'ArrowUp' ? buttons[k - 1] : null;
        if (next) { e.preventDefault(); next.focus(); select(Number(next.dataset.i)); }
      });
    });
    const q = /[?#&]attr=([^&]+)/.exec(location.hash || location.search);
    if (q) {
      const want = decodeURIComponent(q[1]);
      F.attrs.forEach((at, a) => { if (at.name === want) select(a); });
    }
  });
}`;
