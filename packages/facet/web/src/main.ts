// facet's page: pick a photo (file, drop, or a sample), run the model in the browser,
// show attribute bars, the parse overlay, the selected attribute's heat map and its
// region weights. Everything is computed here, client-side.
import './style.css';
import { REGION_PALETTE, clear, drawHeat, drawParse, drawPixels, rgbCss, turbo } from './draw.js';
import { type Model, type Prediction, loadModel, predict, preprocess } from './infer.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

const ui = {
  status: $('status'),
  file: $<HTMLInputElement>('file'),
  drop: $('drop'),
  samples: $('samples'),
  inputInfo: $('input-info'),
  photoParse: $<HTMLCanvasElement>('photo-parse'),
  parseOverlay: $<HTMLCanvasElement>('parse-overlay'),
  parseOpacity: $<HTMLInputElement>('parse-opacity'),
  legend: $('legend'),
  photoHeat: $<HTMLCanvasElement>('photo-heat'),
  heatOverlay: $<HTMLCanvasElement>('heat-overlay'),
  heatOpacity: $<HTMLInputElement>('heat-opacity'),
  heatTitle: $('heat-title'),
  regionsTitle: $('regions-title'),
  regionChart: $('region-chart'),
  attributes: $<HTMLOListElement>('attributes'),
  sort: $<HTMLSelectElement>('sort'),
};

interface State {
  model: Model | null;
  result: Prediction | null;
  selected: number;
  modelInfo: string;
}
const state: State = { model: null, result: null, selected: -1, modelInfo: '' };
let modelReady: Promise<Model | null> = Promise.resolve(null);

// Photos are analysed one at a time, in the order they were chosen, and the newest
// choice wins: an analysis whose photo was superseded while it was being read or run
// shows nothing, so a late result never overwrites a later photo's result or error.
let newestPhoto = 0;
let analyses: Promise<void> = Promise.resolve();

const pretty = (name: string): string => name.replace(/_/g, ' ');

function setStatus(text: string, kind: 'info' | 'error' | 'busy' = 'info'): void {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

function applyOpacity(): void {
  ui.parseOverlay.style.opacity = String(Number(ui.parseOpacity.value) / 100);
  ui.heatOverlay.style.opacity = String(Number(ui.heatOpacity.value) / 100);
}

function renderLegend(regionNames: string[], counts?: Uint32Array): void {
  ui.legend.replaceChildren(
    ...regionNames.map((name, k) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const sw = document.createElement('i');
      sw.style.background = k === 0 ? 'transparent' : rgbCss(REGION_PALETTE[k] ?? [128, 128, 128]);
      if (k === 0) sw.className = 'none';
      item.append(sw, document.createTextNode(name));
      if (counts) {
        const total = counts.reduce((a, b) => a + b, 0);
        item.title = `${name}: ${((100 * counts[k]!) / Math.max(1, total)).toFixed(1)} % of the image`;
      }
      return item;
    }),
  );
}

function renderAttributes(): void {
  const model = state.model;
  const r = state.result;
  if (!model || !r) return;
  const names = model.config.attributeNames;
  const order = names.map((_, a) => a);
  if (ui.sort.value === 'prob') order.sort((x, y) => r.probabilities[y]! - r.probabilities[x]!);
  else order.sort((x, y) => names[x]!.localeCompare(names[y]!));
  ui.attributes.replaceChildren(
    ...order.map((a) => {
      const p = r.probabilities[a]!;
      const li = document.createElement('li');
      const row = document.createElement('button');
      row.type = 'button';
      row.className = 'attr-row' + (a === state.selected ? ' selected' : '') + (p >= 0.5 ? ' positive' : '');
      row.dataset.attribute = names[a]!;
      row.setAttribute('aria-pressed', String(a === state.selected));
      row.title = `${pretty(names[a]!)}: ${(100 * p).toFixed(1)} %`;
      const label = document.createElement('span');
      label.className = 'attr-name';
      label.textContent = pretty(names[a]!);
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      bar.append(fill);
      const value = document.createElement('span');
      value.className = 'attr-value';
      value.textContent = p.toFixed(2);
      row.append(label, bar, value);
      row.addEventListener('click', () => select(a));
      li.append(row);
      return li;
    }),
  );
}

function select(a: number): void {
  const model = state.model;
  const r = state.result;
  if (!model || !r) return;
  state.selected = a;
  const { height: H, width: W, attributeNames: A, regionNames: R } = model.config;
  const name = A[a]!;
  drawHeat(ui.heatOverlay, r.heatmaps, a, r.gridHeight, r.gridWidth, H, W);
  ui.heatOverlay.dataset.attribute = name;
  ui.heatTitle.textContent = pretty(name);
  ui.regionsTitle.textContent = pretty(name);
  const weights = R.map((_, k) => r.regionWeights[k * A.length + a]!);
  const max = Math.max(...weights, 1e-9);
  ui.regionChart.dataset.attribute = name;
  ui.regionChart.replaceChildren(
    ...R.map((region, k) => {
      const row = document.createElement('div');
      row.className = 'region-row';
      const label = document.createElement('span');
      label.className = 'region-name';
      label.textContent = region;
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.width = `${((100 * weights[k]!) / max).toFixed(1)}%`;
      fill.style.background = k === 0 ? '#8a8f98' : rgbCss(REGION_PALETTE[k] ?? [128, 128, 128]);
      bar.append(fill);
      const value = document.createElement('span');
      value.className = 'region-value';
      value.textContent = weights[k]!.toFixed(3);
      row.append(label, bar, value);
      return row;
    }),
  );
  for (const row of ui.attributes.querySelectorAll<HTMLButtonElement>('.attr-row')) {
    const on = row.dataset.attribute === name;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-pressed', String(on));
  }
}

/** Queues a photo (its bytes may still be arriving) and supersedes every earlier one. */
function analyse(bytes: Promise<Blob>, label: string): Promise<void> {
  const id = ++newestPhoto;
  bytes.catch(() => undefined); // a superseded photo's failed read is nobody's error
  setStatus(`analysing ${label}…`, 'busy');
  document.body.classList.add('busy');
  analyses = analyses.then(() => analyseNow(id, bytes, label));
  return analyses;
}

async function analyseNow(id: number, bytes: Promise<Blob>, label: string): Promise<void> {
  const current = (): boolean => id === newestPhoto;
  if (!current()) return;
  try {
    const model = state.model ?? (await modelReady);
    if (!model || !current()) return;
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(await bytes, { imageOrientation: 'from-image' });
    } catch {
      throw new Error(`${label} is not an image this browser can decode`);
    }
    if (!current()) {
      bitmap.close();
      return;
    }
    const { input, pixels } = preprocess(bitmap, model.config);
    const info = `${label}: ${bitmap.width}×${bitmap.height} → ${model.config.width}×${model.config.height} (cover, centre crop)`;
    bitmap.close();
    const r = await predict(model, input);
    if (!current()) return;
    state.result = r;
    ui.inputInfo.textContent = info;
    const { height: H, width: W, regionNames: R, attributeNames: A } = model.config;
    drawPixels(ui.photoParse, pixels);
    drawPixels(ui.photoHeat, pixels);
    const counts = drawParse(ui.parseOverlay, r.parse, R.length, H, W);
    renderLegend(R, counts);
    if (state.selected < 0) {
      let best = 0;
      for (let a = 1; a < A.length; a++) if (r.probabilities[a]! > r.probabilities[best]!) best = a;
      state.selected = best;
    }
    renderAttributes();
    select(state.selected);
    document.body.classList.add('has-result');
    // read-only view of the last result, for tests and the curious (devtools)
    (window as unknown as { facet: unknown }).facet = { photo: label, probabilities: Array.from(r.probabilities), attributeNames: A, ms: r.ms };
    setStatus(`${state.modelInfo} · ${label}: inference ${r.ms.toFixed(0)} ms`);
  } catch (e) {
    if (current()) setStatus((e as Error).message, 'error');
  } finally {
    if (current()) document.body.classList.remove('busy');
  }
}

async function loadSamples(): Promise<void> {
  try {
    const res = await fetch('/samples.json');
    if (!res.ok) return;
    const list = (await res.json()) as Array<{ name: string; url: string }>;
    ui.samples.replaceChildren(
      ...list.map((s) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'sample';
        b.title = s.name;
        b.dataset.sample = s.name;
        const img = document.createElement('img');
        img.src = s.url;
        img.alt = s.name;
        b.append(img);
        b.addEventListener('click', () => {
          const bytes = fetch(s.url).then((r) => {
            if (!r.ok) throw new Error(`${s.name}: HTTP ${r.status}`);
            return r.blob();
          });
          void analyse(bytes, s.name);
        });
        return b;
      }),
    );
  } catch {
    // no samples: the page works without them
  }
}

function wireInput(): void {
  ui.file.addEventListener('change', () => {
    const f = ui.file.files?.[0];
    if (f) void analyse(Promise.resolve(f), f.name);
    ui.file.value = '';
  });
  const over = (on: boolean) => (e: DragEvent): void => {
    e.preventDefault();
    ui.drop.classList.toggle('over', on);
  };
  ui.drop.addEventListener('dragenter', over(true));
  ui.drop.addEventListener('dragover', over(true));
  ui.drop.addEventListener('dragleave', over(false));
  ui.drop.addEventListener('drop', (e) => {
    over(false)(e);
    const f = e.dataTransfer?.files?.[0];
    if (f) void analyse(Promise.resolve(f), f.name);
  });
  // a drop outside the zone must not navigate away
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  ui.parseOpacity.addEventListener('input', applyOpacity);
  ui.heatOpacity.addEventListener('input', applyOpacity);
  ui.sort.addEventListener('change', renderAttributes);
}

function paintScale(): void {
  const stops = Array.from({ length: 11 }, (_, i) => `${rgbCss(turbo(i / 10))} ${i * 10}%`).join(', ');
  document.querySelector<HTMLElement>('.turbo')?.style.setProperty('background', `linear-gradient(90deg, ${stops})`);
}

async function main(): Promise<void> {
  wireInput();
  applyOpacity();
  paintScale();
  clear(ui.parseOverlay);
  void loadSamples();
  const loading = loadModel((loaded, total) => {
    if (newestPhoto > 0) return; // a photo chosen meanwhile owns the status line
    setStatus(`loading the model… ${(loaded / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB`, 'busy');
  });
  modelReady = loading.catch(() => null);
  try {
    const model = await loading;
    state.model = model;
    const c = model.config;
    state.modelInfo = `${c.description ?? 'model'} · ${c.attributeNames.length} attributes · ${c.width}×${c.height} · wasm, ${model.threads} thread${model.threads > 1 ? 's' : ''}${self.crossOriginIsolated ? ' (isolated)' : ''}`;
    renderLegend(c.regionNames);
    document.documentElement.style.setProperty('--aspect', `${c.width} / ${c.height}`);
    document.body.classList.add('ready');
    if (newestPhoto === 0) setStatus(`${state.modelInfo} · ready: choose a photo or a sample`);
  } catch (e) {
    setStatus(`could not load the model: ${(e as Error).message}`, 'error');
  }
}

void main();
