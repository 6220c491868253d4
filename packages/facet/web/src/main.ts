// facet's page: pick a photo (file, drop, or a sample); find its faces and align each as
// CelebA's crops are (src/face/find_faces.ts, the steps `facet predict` runs), draw a box
// per face; for the chosen face run the model in the browser and show attribute bars, the
// parse overlay, the selected attribute's heat map and its region weights. A photo that is
// already an aligned crop goes to the model whole. Everything is computed here, client-side.
import './style.css';
import { resizeLanczos3 } from '../../src/model_io/lanczos_resize.js';
import { argmaxRegions, regionFractions } from '../../src/model_io/parse_labels.js';
import { CELEBA_TEMPLATE } from '../../src/face/celeba_template.js';
import { type PhotoFace, DEFAULT_MAX_FACES, findFaces } from '../../src/face/find_faces.js';
import { REGION_PALETTE, clear, drawHeat, drawParse, drawPixels, rgbCss, turbo } from './draw.js';
import type { PageFaceDetector } from './face_detector.js';
import { type Model, type Prediction, loadModel, predict, preprocess } from './infer.js';
import { rgbFromBitmap, rgbToCanvas } from './rgb.js';

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
  alignMode: $<HTMLSelectElement>('align-mode'),
  photoView: $('photo-view'),
  photo: $<HTMLCanvasElement>('photo'),
  faceBoxes: $('face-boxes'),
  facesInfo: $('faces-info'),
};

/** A face found in the photo, aligned, with the model's answer for it. */
interface PageFace {
  found: PhotoFace;
  result: Prediction;
  /** the aligned crop as the network saw it */
  pixels: ImageData;
}

interface State {
  model: Model | null;
  result: Prediction | null;
  selected: number;
  modelInfo: string;
  /** the photo's faces, largest first (empty for an aligned crop) */
  faces: PageFace[];
  /** the face shown, or -1 for an aligned crop */
  face: number;
  photo: string;
}
const state: State = { model: null, result: null, selected: -1, modelInfo: '', faces: [], face: -1, photo: '' };
let modelReady: Promise<Model | null> = Promise.resolve(null);
/** loaded on the first photo that needs it (an aligned crop never does): Human's build is its own chunk, ~1.5 MB */
let detector: Promise<PageFaceDetector> | null = null;

function faceDetector(): Promise<PageFaceDetector> {
  detector ??= import('./face_detector.js').then((m) => m.loadFaceDetector());
  detector.catch(() => (detector = null));
  return detector;
}

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

function renderLegend(regionNames: string[], fractions?: Float32Array): void {
  ui.legend.replaceChildren(
    ...regionNames.map((name, k) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const sw = document.createElement('i');
      sw.style.background = k === 0 ? 'transparent' : rgbCss(REGION_PALETTE[k] ?? [128, 128, 128]);
      if (k === 0) sw.className = 'none';
      item.append(sw, document.createTextNode(name));
      if (fractions) item.title = `${name}: ${(100 * fractions[k]!).toFixed(1)} % of the image`;
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

/**
 * Whether a photo goes to the model whole: the align menu says so, or (auto) the photo has
 * exactly the size of CelebA's aligned crops (178×218, the size facet's samples come in
 * too) or of the model's input. Any other photo has its faces found.
 */
function alignedCrop(photo: { width: number; height: number }, model: Model): boolean {
  const mode = ui.alignMode.value;
  if (mode === 'aligned') return true;
  if (mode === 'detect') return false;
  const is = (w: number, h: number): boolean => photo.width === w && photo.height === h;
  return is(CELEBA_TEMPLATE.frame.width, CELEBA_TEMPLATE.frame.height) || is(model.config.width, model.config.height);
}

/** The model's answer for one image: bars, parse, heat map, region weights. */
function show(model: Model, r: Prediction, pixels: ImageData): void {
  state.result = r;
  const { height: H, width: W, regionNames: R, attributeNames: A } = model.config;
  drawPixels(ui.photoParse, pixels);
  drawPixels(ui.photoHeat, pixels);
  const labels = argmaxRegions(r.parse, R.length, H * W);
  drawParse(ui.parseOverlay, labels, H, W);
  renderLegend(R, regionFractions(labels, R.length));
  if (state.selected < 0) {
    let best = 0;
    for (let a = 1; a < A.length; a++) if (r.probabilities[a]! > r.probabilities[best]!) best = a;
    state.selected = best;
  }
  renderAttributes();
  select(state.selected);
  document.body.classList.add('has-result');
  publish(model);
}

/** A read-only view of what is shown, for tests and the curious (devtools). */
function publish(model: Model): void {
  const r = state.result;
  (window as unknown as { facet: unknown }).facet = {
    photo: state.photo,
    face: state.face,
    faces: state.faces.map(({ found: f }) => ({ box: f.box, score: f.score, landmarks: Array.from(f.landmarks) })),
    probabilities: r ? Array.from(r.probabilities) : [],
    attributeNames: model.config.attributeNames,
    ms: r?.ms ?? 0,
  };
}

/** The photo, downscaled to the view, with a button over each face's box. */
function drawPhoto(rgb: { data: Uint8Array; width: number; height: number }): void {
  const scale = Math.min(1, 900 / Math.max(rgb.width, rgb.height));
  const w = Math.max(1, Math.round(rgb.width * scale));
  const h = Math.max(1, Math.round(rgb.height * scale));
  ui.photo.width = w;
  ui.photo.height = h;
  const ctx = ui.photo.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(rgbToCanvas(rgb), 0, 0, w, h);
  ui.faceBoxes.replaceChildren(
    ...state.faces.map(({ found: f }, i) => {
      const [x, y, bw, bh] = f.box;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'face-box';
      b.dataset.face = String(i);
      b.title = `face ${i + 1} (score ${f.score.toFixed(2)})`;
      b.textContent = String(i + 1);
      b.style.left = `${(100 * x) / rgb.width}%`;
      b.style.top = `${(100 * y) / rgb.height}%`;
      b.style.width = `${(100 * bw) / rgb.width}%`;
      b.style.height = `${(100 * bh) / rgb.height}%`;
      b.addEventListener('click', () => showFace(i));
      return b;
    }),
  );
  ui.facesInfo.textContent = state.faces.length ? 'Click a face to see its attributes, parse and heat maps.' : 'No face found.';
  ui.photoView.hidden = false;
}

function showFace(i: number): void {
  const model = state.model;
  const f = state.faces[i];
  if (!model || !f) return;
  state.face = i;
  for (const b of ui.faceBoxes.querySelectorAll<HTMLButtonElement>('.face-box')) {
    const on = b.dataset.face === String(i);
    b.classList.toggle('selected', on);
    b.setAttribute('aria-pressed', String(on));
  }
  show(model, f.result, f.pixels);
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
    const rgb = rgbFromBitmap(bitmap);
    bitmap.close();
    if (alignedCrop(rgb, model)) {
      const { input, pixels } = preprocess(rgb, model.config);
      const info = `${label}: ${rgb.width}×${rgb.height} → ${model.config.width}×${model.config.height} (cover, centre crop), taken as an aligned face`;
      const r = await predict(model, input);
      if (!current()) return;
      state.faces = [];
      state.face = -1;
      state.photo = label;
      ui.photoView.hidden = true;
      ui.inputInfo.textContent = info;
      show(model, r, pixels);
      setStatus(`${state.modelInfo} · ${label}: inference ${r.ms.toFixed(0)} ms`);
      return;
    }
    setStatus(`finding faces in ${label}…`, 'busy');
    // the detector's copy of a large or small photo resized as sharp resizes it in Node
    const found = await findFaces(rgb, { detector: await faceDetector(), maxFaces: DEFAULT_MAX_FACES }, async (img, w, h) => resizeLanczos3(img, w, h));
    if (!current()) return;
    const faces: PageFace[] = [];
    for (const f of found.faces) {
      const { input, pixels } = preprocess({ data: f.aligned.rgb, width: f.aligned.width, height: f.aligned.height }, model.config);
      faces.push({ found: f, result: await predict(model, input), pixels });
      if (!current()) return;
    }
    state.faces = faces;
    state.photo = label;
    drawPhoto(rgb);
    const detectMs = found.detectMs + found.alignMs;
    const { width: fw, height: fh } = CELEBA_TEMPLATE.frame;
    ui.inputInfo.textContent = faces.length
      ? `${label}: ${rgb.width}×${rgb.height}, ${faces.length} face${faces.length === 1 ? '' : 's'} found, each aligned to CelebA's ${fw}×${fh} frame`
      : `${label}: ${rgb.width}×${rgb.height}, no face found`;
    if (faces.length === 0) {
      state.face = -1;
      state.result = null;
      document.body.classList.remove('has-result');
      publish(model);
      setStatus(
        `${label}: no face found (detection ${detectMs.toFixed(0)} ms); for a crop that is already aligned, choose "the photo is an aligned face" under faces`,
        'error',
      );
      return;
    }
    showFace(0);
    setStatus(
      `${state.modelInfo} · ${label}: ${faces.length} face${faces.length === 1 ? '' : 's'} (detection + alignment ${detectMs.toFixed(0)} ms), inference ${faces.reduce((t, f) => t + f.result.ms, 0).toFixed(0)} ms`,
    );
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
  const over =
    (on: boolean) =>
    (e: DragEvent): void => {
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
