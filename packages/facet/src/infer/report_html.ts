// One prediction as a self-contained HTML page (no external resources): the photo the
// network saw, the parse over it (with the region legend), the attributes as sorted
// probability bars, and for the selected attribute its localization heat map (spec §10)
// and SSP's region weights. Images are inlined as base64 PNG data: URLs made with sharp;
// the first attribute's heat map is precomputed, the others are drawn by a small inline
// script from the grid values (so that the page stays a few hundred kB) with exactly the
// rule of viz/color.ts: bilinear upsampling with half-pixel centres, min–max over the
// grid, turbo, blended at 0.5 over the photo.
import { type Rgb, REGION_PALETTE, overlay, overlayHeat, rgbHex, turbo } from '../viz/color.js';
import { rgbToPng } from '../viz/io.js';
import { FACET_VERSION } from '../version.js';
import { type PredictionResult, heatmapOf, topRegions } from './predict.js';

export interface ReportOptions {
  /** where the model came from (shown in the footer) */
  model?: string;
  /** the model's description from its bundle.json */
  description?: string;
  /** the attribute selected when the page opens (default: the most probable) */
  selected?: string;
}

export const HEAT_ALPHA = 0.5;
export const PARSE_ALPHA = 0.45;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (name: string): string => name.replace(/_/g, ' ');
const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;

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

function gridRange(m: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo > hi ? [0, 0] : [lo, hi];
}

export async function renderReportHtml(p: PredictionResult, options: ReportOptions = {}): Promise<string> {
  const { width: W, height: H } = p.inputSize;
  const A = p.attributeNames.length;
  const R = p.regionNames.length;
  const tops = topRegions(p);
  const order = p.attributeNames.map((_, a) => a).sort((a, b) => p.probabilities[b]! - p.probabilities[a]!);
  const selected = options.selected !== undefined ? p.attributeNames.indexOf(options.selected) : order[0]!;
  if (selected < 0) throw new Error(`report: no attribute '${options.selected}'`);

  // the heat map of the selected attribute is computed here, as the figures do; the
  // script recomputes the same from the values below for the others
  const heat0 = overlayHeat(p.rgb, W, H, { data: heatmapOf(p, selected), height: p.gridHeight, width: p.gridWidth }, { alpha: HEAT_ALPHA });
  const [photoUrl, parseUrl, heatUrl] = await Promise.all([
    pngDataUrl(p.rgb, W, H),
    pngDataUrl(overlay(p.rgb, p.labels, PARSE_ALPHA), W, H),
    pngDataUrl(heat0, W, H),
  ]);

  const data = {
    w: W, h: H, gh: p.gridHeight, gw: p.gridWidth, alpha: HEAT_ALPHA,
    regions: p.regionNames.map((name, r) => ({ name, colour: regionColour(r) })),
    attrs: p.attributeNames.map((name, a) => ({
      name,
      p: round4(p.probabilities[a]!),
      top: tops[a]!,
      weights: p.regionNames.map((_, r) => round4(p.regionWeights[r * A + a]!)),
      heat: Array.from(heatmapOf(p, a), round4),
    })),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');

  const scale = Math.min(2, 228 / W);
  const dispW = Math.round(W * scale);
  const dispH = Math.round(H * scale);

  const attrRows = order.map((a) => {
    const pr = p.probabilities[a]!;
    const name = p.attributeNames[a]!;
    const tr = tops[a]!;
    return `<button class="attr${a === selected ? ' sel' : ''}" data-i="${a}" aria-pressed="${a === selected}" title="${esc(name)}: ${pct(pr, 2)}, lives mostly in ${esc(p.regionNames[tr]!)}">` +
      `<span class="an">${esc(pretty(name))}</span>` +
      `<span class="bar"><span class="fill${pr >= 0.5 ? ' pos' : ''}" style="width:${(100 * pr).toFixed(1)}%"></span></span>` +
      `<span class="pv">${pct(pr)}</span>` +
      `<span class="chip" style="background:${regionColour(tr)}" title="${esc(p.regionNames[tr]!)}"></span></button>`;
  }).join('\n');

  const legend = p.regionNames.map((name, r) =>
    `<li><span class="sw" style="background:${regionColour(r)}"></span>${esc(name)}<span class="num">${pct(p.regionFractions[r]!)}</span></li>`).join('');

  const weightRows = (a: number): string => p.regionNames.map((name, r) => {
    const w = p.regionWeights[r * A + a]!;
    return `<div class="wr${r === tops[a] ? ' top' : ''}"><span class="wn"><span class="sw" style="background:${regionColour(r)}"></span>${esc(name)}</span>` +
      `<span class="bar"><span class="fill" style="width:${(100 * w).toFixed(1)}%;background:${regionColour(r)}"></span></span><span class="pv">${w.toFixed(3)}</span></div>`;
  }).join('');

  const [lo, hi] = gridRange(heatmapOf(p, selected));
  const sizeNote = p.resized
    ? `The photo is ${p.size.width}×${p.size.height}; it was scaled to cover the model's ${W}×${H} input, keeping its aspect ratio, and centre-cropped. Everything below is on that crop.`
    : `The photo is ${W}×${H}, the model's input size; it was used as is.`;

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
h2 { font-size:13px; margin:0 0 10px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
.meta { color:var(--muted); font-size:13px; }
.meta b { color:var(--fg); font-weight:500; }
main { display:grid; grid-template-columns:minmax(0,1fr) 340px; gap:16px; padding:16px 24px; max-width:1240px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.views { display:flex; gap:14px; flex-wrap:wrap; }
figure { margin:0; }
figure img { display:block; width:${dispW}px; height:${dispH}px; border-radius:6px; background:#ddd; }
figcaption { font-size:12px; color:var(--muted); margin-top:6px; width:${dispW}px; }
figcaption b { color:var(--fg); font-weight:600; }
.legend { list-style:none; padding:0; margin:6px 0 0; display:grid; grid-template-columns:1fr 1fr; gap:2px 10px; font-size:12px; width:${dispW}px; }
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
footer { padding:0 24px 20px; color:var(--muted); font-size:12px; max-width:1240px; }
@media (max-width:900px) { main { grid-template-columns:1fr; } }
</style>
</head>
<body>
<header>
<h1>${esc(p.image)}</h1>
<div class="meta"><b>${p.size.width}×${p.size.height}</b>${p.resized ? ` → resized to <b>${W}×${H}</b> (cover + centre crop)` : ''} · runtime <b>${p.runtime}</b> · ${A} attributes · ${R} regions</div>
</header>
<main>
<section>
<div class="card">
<div class="views">
<figure><img id="photo" src="${photoUrl}" alt="the photo as the model saw it" width="${W}" height="${H}"><figcaption><b>Input</b> · ${W}×${H}</figcaption></figure>
<figure><img id="parse" src="${parseUrl}" alt="face parse overlay" width="${W}" height="${H}"><figcaption><b>Parse</b> · share of pixels</figcaption><ul class="legend">${legend}</ul></figure>
<figure><img id="heat" src="${heatUrl}" alt="localization heat map" width="${W}" height="${H}"><figcaption><b>Where</b> <span id="heat-name">${esc(pretty(p.attributeNames[selected]!))}</span> lives</figcaption><div class="cbar"></div><div class="cbl"><span id="heat-lo">${round4(lo)}</span><span>low · high</span><span id="heat-hi">${round4(hi)}</span></div></figure>
</div>
<p class="note">${esc(sizeNote)}</p>
</div>
<div class="card detail">
<h2>Selected attribute</h2>
<div class="sel-title" id="sel-title">${esc(pretty(p.attributeNames[selected]!))}</div>
<div class="sel-sub" id="sel-sub">probability ${pct(p.probabilities[selected]!, 1)} · region weights (SSP; they sum to 1)</div>
<div id="weights">${weightRows(selected)}</div>
<p class="note">The heat map is Σ<sub>r</sub> w[r,a]·m<sub>r</sub>(x,y)·⟨W<sub>rec</sub>[a], A(x,y)⟩ on the ${p.gridHeight}×${p.gridWidth} grid of the last convolution, upsampled bilinearly and scaled from its minimum (blue) to its maximum (red) for each attribute. Click an attribute (or use ↑/↓) to see its map.</p>
</div>
</section>
<section class="card">
<h2>Attributes</h2>
<div class="attrs" id="attrs">
${attrRows}
</div>
</section>
</main>
<footer>facet ${esc(FACET_VERSION)}${options.model ? ` · model ${esc(options.model)}` : ''}${options.description ? ` · ${esc(options.description)}` : ''}</footer>
<script type="application/json" id="facet-data">${json}</script>
<script>
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

// The inline script: the same bilinear / min–max / turbo / blend as viz/color.ts.
const REPORT_SCRIPT = String.raw`(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('facet-data').textContent);
  var photo = document.getElementById('photo');
  var heatImg = document.getElementById('heat');
  var pixels = null;
  var current = -1;
  function clamp01(x) { return x < 0 ? 0 : x > 1 ? 1 : x; }
  function turbo(t) {
    var x = clamp01(t);
    var r = 0.13572138 + x * (4.6153926 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))));
    var g = 0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))));
    var b = 0.1066733 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))));
    return [Math.round(255 * clamp01(r)), Math.round(255 * clamp01(g)), Math.round(255 * clamp01(b))];
  }
  function bilinear(map, h, w, H, W) {
    var out = new Float32Array(H * W), sy = h / H, sx = w / W;
    for (var y = 0; y < H; y++) {
      var fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1), y0 = Math.floor(fy), y1 = Math.min(y0 + 1, h - 1), ty = fy - y0;
      for (var x = 0; x < W; x++) {
        var fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1), x0 = Math.floor(fx), x1 = Math.min(x0 + 1, w - 1), tx = fx - x0;
        var top = map[y0 * w + x0] * (1 - tx) + map[y0 * w + x1] * tx;
        var bot = map[y1 * w + x0] * (1 - tx) + map[y1 * w + x1] * tx;
        out[y * W + x] = top * (1 - ty) + bot * ty;
      }
    }
    return out;
  }
  function range(m) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < m.length; i++) { var v = m[i]; if (!isFinite(v)) continue; if (v < lo) lo = v; if (v > hi) hi = v; }
    return lo > hi ? [0, 0] : [lo, hi];
  }
  function photoPixels() {
    if (pixels) return Promise.resolve(pixels);
    var ready = photo.decode ? photo.decode() : Promise.resolve();
    return ready.then(function () {
      var c = document.createElement('canvas');
      c.width = D.w; c.height = D.h;
      var g = c.getContext('2d');
      g.drawImage(photo, 0, 0, D.w, D.h);
      pixels = g.getImageData(0, 0, D.w, D.h);
      return pixels;
    });
  }
  function drawHeat(a) {
    return photoPixels().then(function (src) {
      var heat = D.attrs[a].heat, r = range(heat), span = r[1] - r[0];
      var up = bilinear(heat, D.gh, D.gw, D.h, D.w);
      var c = document.createElement('canvas');
      c.width = D.w; c.height = D.h;
      var g = c.getContext('2d');
      var img = g.createImageData(D.w, D.h), s = src.data, o = img.data, al = D.alpha;
      for (var i = 0; i < D.w * D.h; i++) {
        var t = span > 0 && isFinite(up[i]) ? clamp01((up[i] - r[0]) / span) : 0;
        var col = turbo(t);
        for (var k = 0; k < 3; k++) o[4 * i + k] = Math.round((1 - al) * s[4 * i + k] + al * col[k]);
        o[4 * i + 3] = 255;
      }
      g.putImageData(img, 0, 0);
      if (current === a) heatImg.src = c.toDataURL('image/png');
      document.getElementById('heat-lo').textContent = String(r[0]);
      document.getElementById('heat-hi').textContent = String(r[1]);
    });
  }
  function pretty(n) { return n.replace(/_/g, ' '); }
  function weightRows(a) {
    var at = D.attrs[a], html = '';
    D.regions.forEach(function (reg, r) {
      var w = at.weights[r];
      html += '<div class="wr' + (r === at.top ? ' top' : '') + '"><span class="wn"><span class="sw" style="background:' + reg.colour + '"></span></span>' +
        '<span class="bar"><span class="fill" style="width:' + (100 * w).toFixed(1) + '%;background:' + reg.colour + '"></span></span><span class="pv">' + w.toFixed(3) + '</span></div>';
    });
    var box = document.getElementById('weights');
    box.innerHTML = html;
    box.querySelectorAll('.wn').forEach(function (el, r) { el.appendChild(document.createTextNode(D.regions[r].name)); });
  }
  function select(a) {
    if (a === current) return;
    current = a;
    var at = D.attrs[a];
    document.querySelectorAll('button.attr').forEach(function (b) {
      var on = Number(b.dataset.i) === a;
      b.classList.toggle('sel', on);
      b.setAttribute('aria-pressed', String(on));
    });
    document.getElementById('sel-title').textContent = pretty(at.name);
    document.getElementById('heat-name').textContent = pretty(at.name);
    document.getElementById('sel-sub').textContent = 'probability ' + (100 * at.p).toFixed(1) + '% · region weights (SSP; they sum to 1)';
    weightRows(a);
    drawHeat(a).catch(function (e) { console.error(e); });
  }
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button.attr'));
  buttons.forEach(function (b, k) {
    if (b.classList.contains('sel')) current = Number(b.dataset.i);
    b.addEventListener('click', function () { select(Number(b.dataset.i)); });
    b.addEventListener('keydown', function (e) {
      var next = e.key === 'ArrowDown' ? buttons[k + 1] : e.key === 'ArrowUp' ? buttons[k - 1] : null;
      if (next) { e.preventDefault(); next.focus(); select(Number(next.dataset.i)); }
    });
  });
  var q = /[?#&]attr=([^&]+)/.exec(location.hash || location.search);
  if (q) {
    var want = decodeURIComponent(q[1]);
    D.attrs.forEach(function (at, a) { if (at.name === want) select(a); });
  }
})();`;
