// The experiment report (markdown), shaped like the paper's tables:
// - Table 2: attribute prediction, one row per method (Avg. Pooling … SSP+SSG), columns
//   mean error, mean accuracy, mAP, mean balanced accuracy; then per-attribute tables
//   with one column per method.
// - Table 4: parsing IoU per region and their mean, parser alone vs joint model.
// - Figure 4's numbers: SSP's region weights, attributes × regions.
// Plus figures, commands, budgets, seeds and notes, so a report says how it was made.
//
// Formatting: rates (error, accuracy, AP, balanced accuracy, IoU, prevalence) are
// percentages with 2 decimals ("12.34"), column headers say "(%)"; region weights are
// fractions with 3 decimals; a missing value (method not run, AP undefined, class absent)
// is "—". In per-attribute tables the best method of each row is bold.
import type { AttributeReport } from '../metrics/metrics.js';
import type { IoUResult } from '../metrics/iou.js';

/** The paper's Table 2 rows, in its order. */
export const TABLE2_METHODS = ['Avg. Pooling (basic)', 'SPPNet*', 'Naive', 'BBox', 'SSP', 'SSG', 'SSP+SSG'] as const;

export interface MethodResult {
  /** row name; the seven of TABLE2_METHODS are placed in the paper's order, others after them */
  method: string;
  /** metrics on the evaluation set; null = not run (the row shows "—") */
  report: AttributeReport | null;
  /** a short remark shown in the summary's last column (e.g. checkpoint, iterations) */
  note?: string;
}

export interface ParsingResult {
  /** row name, e.g. "Parser alone" or "Joint (parser + attributes)" */
  label: string;
  iou: IoUResult;
  note?: string;
}

export interface RegionWeightsInput {
  attributeNames: readonly string[];
  regionNames: readonly string[];
  /** row-major A×R: w[r, a] of spec §4 averaged over a data set */
  weights: Float32Array;
  /** per attribute, the region where it should live, or null (marked with "†") */
  expected?: readonly (number | null)[];
  /** what the weights were averaged over, e.g. "CelebA test split, SSP model" */
  source?: string;
}

export interface FigureRef {
  title: string;
  /** path of the PNG, as it should be linked from the report (relative to the report's folder) */
  path: string;
  caption?: string;
}

export type PerAttributeMetric = 'error' | 'accuracy' | 'averagePrecision' | 'balancedAccuracy';

export interface ExperimentReportInput {
  title: string;
  /** one line on what was evaluated, e.g. "CelebA test split (19,962 images), width 0.25" */
  dataset?: string;
  /** the attribute methods; Table 2 shows all seven of the paper's rows even when some are absent */
  methods: readonly MethodResult[];
  /** which per-attribute tables to print (default error, AP, balanced accuracy) */
  perAttribute?: readonly PerAttributeMetric[];
  /** show the majority-class baseline row and column (default true) */
  baseline?: boolean;
  /** Table 4 rows */
  parsing?: readonly ParsingResult[];
  /** what parsing was evaluated on, e.g. "Helen test (100 images)" */
  parsingDataset?: string;
  regionWeights?: RegionWeightsInput;
  figures?: readonly FigureRef[];
  /** commands that reproduce the report, in order */
  commands?: readonly string[];
  /** budgets: iterations, batch size, device time … (name → value) */
  budgets?: Readonly<Record<string, string | number>>;
  /** seeds (name → value) */
  seeds?: Readonly<Record<string, number | string>>;
  notes?: readonly string[];
  /** a timestamp or version line printed under the title */
  generated?: string;
}

const DASH = '—';

/** A rate in [0, 1] as a percentage with 2 decimals; null/NaN → "—". */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? DASH : (100 * x).toFixed(2);
}

function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A markdown table; `align` 'l' or 'r' per column (default: first left, the rest right). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const al = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'));
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${al.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Methods in Table 2's order: the paper's seven (placeholders when absent), then the others. */
export function orderMethods(methods: readonly MethodResult[]): MethodResult[] {
  const byName = new Map<string, MethodResult>();
  for (const m of methods) {
    if (byName.has(m.method)) throw new Error(`renderReport: method "${m.method}" given twice`);
    byName.set(m.method, m);
  }
  const paper = TABLE2_METHODS.map((name) => byName.get(name) ?? { method: name, report: null });
  const extra = methods.filter((m) => !(TABLE2_METHODS as readonly string[]).includes(m.method));
  return [...paper, ...extra];
}

const METRIC_TITLES: Record<PerAttributeMetric, { title: string; lowerIsBetter: boolean }> = {
  error: { title: 'Classification error (%) per attribute', lowerIsBetter: true },
  accuracy: { title: 'Accuracy (%) per attribute', lowerIsBetter: false },
  averagePrecision: { title: 'Average precision (%) per attribute', lowerIsBetter: false },
  balancedAccuracy: { title: 'Balanced accuracy (%) per attribute', lowerIsBetter: false },
};

/** Balanced accuracy of always predicting `prediction`: 0.5 with both classes present, else 1 or 0. */
export function constantBalancedAccuracy(prediction: 0 | 1, positives: number, count: number): number {
  if (positives > 0 && positives < count) return 0.5;
  return (positives > 0 ? 1 : 0) === prediction ? 1 : 0;
}

function table2(methods: MethodResult[], baseline: boolean): string {
  const rows = methods.map((m) => {
    const r = m.report;
    return [
      m.method,
      pct(r?.meanError),
      pct(r?.meanAccuracy),
      pct(r?.mAP),
      pct(r?.meanBalancedAccuracy),
      r ? String(r.count) : DASH,
      m.note ?? (r ? '' : 'not run'),
    ];
  });
  const ref = methods.find((m) => m.report)?.report;
  if (baseline && ref) {
    // the constant predictor: balanced accuracy is 50 % wherever both classes occur
    const ba = ref.attributes.reduce((s, a) => s + constantBalancedAccuracy(a.baselinePrediction, a.positives, ref.count), 0) / ref.attributes.length;
    rows.push([
      'Majority class',
      pct(ref.meanBaselineError),
      pct(1 - ref.meanBaselineError),
      DASH,
      pct(ba),
      String(ref.count),
      'always the training-set majority',
    ]);
  }
  return markdownTable(['Method', 'Mean error (%)', 'Mean accuracy (%)', 'mAP (%)', 'Mean balanced acc. (%)', 'Images', 'Note'], rows, [
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
    'l',
  ]);
}

function perAttributeTable(methods: MethodResult[], metric: PerAttributeMetric, baseline: boolean): string {
  const run = methods.filter((m) => m.report);
  const names = run[0]!.report!.attributes.map((a) => a.name);
  for (const m of run) {
    const got = m.report!.attributes.map((a) => a.name);
    if (got.join('\u0000') !== names.join('\u0000')) throw new Error(`renderReport: method "${m.method}" has other attributes than "${run[0]!.method}"`);
  }
  const { lowerIsBetter } = METRIC_TITLES[metric];
  const withBaseline = baseline && (metric === 'error' || metric === 'accuracy');
  const header = ['Attribute', 'Prevalence (%)', ...(withBaseline ? ['Majority'] : []), ...run.map((m) => m.method)];
  const rows = names.map((name, a) => {
    const vals = run.map((m) => m.report!.attributes[a]![metric]);
    const finite = vals.filter((v): v is number => v !== null && Number.isFinite(v));
    const best = finite.length > 1 ? (lowerIsBetter ? Math.min(...finite) : Math.max(...finite)) : null;
    const ref = run[0]!.report!.attributes[a]!;
    const base = metric === 'error' ? ref.baselineError : 1 - ref.baselineError;
    return [
      name,
      pct(ref.prevalence),
      ...(withBaseline ? [pct(base)] : []),
      ...vals.map((v) => (v !== null && best !== null && pct(v) === pct(best) ? `**${pct(v)}**` : pct(v))),
    ];
  });
  const means = run.map((m) => {
    const r = m.report!;
    return { error: r.meanError, accuracy: r.meanAccuracy, averagePrecision: r.mAP, balancedAccuracy: r.meanBalancedAccuracy }[metric];
  });
  const ref = run[0]!.report!;
  rows.push([
    '**Mean**',
    pct(ref.attributes.reduce((s, a) => s + a.prevalence, 0) / ref.attributes.length),
    ...(withBaseline ? [pct(metric === 'error' ? ref.meanBaselineError : 1 - ref.meanBaselineError)] : []),
    ...means.map(pct),
  ]);
  return markdownTable(header, rows);
}

function table4(parsing: readonly ParsingResult[]): string {
  const classes = parsing[0]!.iou.classNames;
  for (const p of parsing) {
    if (p.iou.classNames.join('\u0000') !== classes.join('\u0000')) throw new Error(`renderReport: parsing row "${p.label}" has other classes`);
  }
  const hasNote = parsing.some((p) => p.note);
  const header = ['Model', ...classes, 'Mean', 'Pixel acc.', ...(hasNote ? ['Note'] : [])];
  const rows = parsing.map((p) => [p.label, ...p.iou.perClass.map(pct), pct(p.iou.mean), pct(p.iou.pixelAccuracy), ...(hasNote ? [p.note ?? ''] : [])]);
  return markdownTable(
    header,
    rows,
    header.map((_, i) => (i === 0 || (hasNote && i === header.length - 1) ? 'l' : 'r')),
  );
}

function regionWeightTable(rw: RegionWeightsInput): string {
  const A = rw.attributeNames.length;
  const R = rw.regionNames.length;
  if (rw.weights.length !== A * R) throw new Error(`renderReport: region weights have ${rw.weights.length} values for ${A}×${R}`);
  if (rw.expected && rw.expected.length !== A) throw new Error(`renderReport: ${rw.expected.length} expected regions for ${A} attributes`);
  const header = ['Attribute', ...rw.regionNames, 'Argmax', ...(rw.expected ? ['Expected'] : [])];
  const rows = rw.attributeNames.map((name, a) => {
    const row = Array.from(rw.weights.subarray(a * R, (a + 1) * R));
    let arg = 0;
    row.forEach((v, r) => {
      if (v > row[arg]!) arg = r;
    });
    const exp = rw.expected?.[a] ?? null;
    const cells = row.map((v, r) => {
      const s = Number.isFinite(v) ? v.toFixed(3) : DASH;
      return (r === arg ? `**${s}**` : s) + (r === exp ? ' †' : '');
    });
    return [name, ...cells, rw.regionNames[arg]!, ...(rw.expected ? [exp === null ? DASH : (rw.regionNames[exp] ?? DASH)] : [])];
  });
  if (rw.expected) {
    const known = rw.expected.map((e, a) => ({ e, a })).filter((x) => x.e !== null);
    const hits = known.filter(({ e, a }) => rows[a]![R + 1] === rw.regionNames[e!]).length;
    rows.push([`**Argmax = expected**`, ...rw.regionNames.map(() => ''), `${hits}/${known.length}`, '']);
  }
  return markdownTable(header, rows);
}

function kvTable(title: string, kv: Readonly<Record<string, string | number>>): string {
  return markdownTable(
    [title, 'Value'],
    Object.entries(kv).map(([k, v]) => [k, String(v)]),
    ['l', 'l'],
  );
}

/** The whole report as markdown. */
export function renderReport(input: ExperimentReportInput): string {
  const out: string[] = [`# ${input.title}`, ''];
  if (input.generated) out.push(`_${input.generated}_`, '');
  const baseline = input.baseline ?? true;
  const methods = orderMethods(input.methods);
  out.push('## Attribute prediction (Table 2)', '');
  out.push(
    (input.dataset ? `Evaluated on ${input.dataset}. ` : '') +
      'Threshold 0.5 (p ≥ 0.5 is positive). AP is non-interpolated with tied scores taken as one block; ' +
      'mAP averages the attributes whose AP is defined (at least one positive). Balanced accuracy is (TPR + TNR)/2, ' +
      'or the rate that exists when a class is absent.',
    '',
    table2(methods, baseline),
    '',
  );
  if (methods.some((m) => m.report)) {
    for (const metric of input.perAttribute ?? (['error', 'averagePrecision', 'balancedAccuracy'] as const)) {
      out.push(`### ${METRIC_TITLES[metric].title}`, '', perAttributeTable(methods, metric, baseline), '');
    }
  }
  if (input.parsing && input.parsing.length > 0) {
    out.push('## Face parsing (Table 4)', '');
    out.push(
      (input.parsingDataset ? `Evaluated on ${input.parsingDataset}. ` : '') +
        'IoU (%) per region, intersection and union accumulated over the whole set; the mean is over the regions, background included.',
      '',
      table4(input.parsing),
      '',
    );
  }
  if (input.regionWeights) {
    out.push('## Region weights (Figure 4)', '');
    out.push(
      `SSP's weights w[r, a] (softmax over regions per attribute)${input.regionWeights.source ? `, averaged over ${input.regionWeights.source}` : ''}. ` +
        'Bold: the largest weight of the row' +
        (input.regionWeights.expected ? '; †: the region where the attribute is expected to live.' : '.'),
      '',
      regionWeightTable(input.regionWeights),
      '',
    );
  }
  if (input.figures && input.figures.length > 0) {
    out.push('## Figures', '');
    for (const f of input.figures) {
      out.push(`### ${f.title}`, '', `![${f.title.replace(/[[\]]/g, '')}](${encodeURI(f.path)})`, '');
      if (f.caption) out.push(f.caption, '');
    }
  }
  if (input.commands?.length || input.budgets || input.seeds) {
    out.push('## Reproduction', '');
    if (input.commands?.length) out.push('```sh', ...input.commands, '```', '');
    if (input.budgets && Object.keys(input.budgets).length > 0) out.push(kvTable('Budget', input.budgets), '');
    if (input.seeds && Object.keys(input.seeds).length > 0) out.push(kvTable('Seed', input.seeds), '');
  }
  if (input.notes?.length) {
    out.push('## Notes', '', ...input.notes.map((n) => `- ${n}`), '');
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}
