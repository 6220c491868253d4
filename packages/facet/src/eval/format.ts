// Plain-text tables of an evaluation for the terminal (report.ts writes markdown).
import type { RunEvaluation } from './evaluate_run.js';
import { REGION_NAMES, type RegionName } from '../regions.js';

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '   -  ' : `${(100 * x).toFixed(2).padStart(6)}`);

export function formatEvaluation(e: RunEvaluation): string {
  const lines = [`${e.run} (${e.kind}${e.method ? ` ${e.method}` : ''}) on ${e.data} [${e.split}]`];
  if (e.faces) {
    const f = e.faces;
    lines.push(
      `photos: ${f.photos}, a face found (and aligned) in ${f.withFace} (${pct(f.withFace / Math.max(1, f.photos))} %), scored on the largest${f.noFace.length ? `; no face in ${f.noFace.join(' ')}` : ''}`,
    );
  }
  if (e.attributes) {
    const a = e.attributes;
    lines.push(
      `attributes: ${a.count} images | error ${pct(a.meanError)} % | accuracy ${pct(a.meanAccuracy)} % | mAP ${pct(a.mAP)} % | balanced acc ${pct(a.meanBalancedAccuracy)} % | majority-class error ${pct(a.meanBaselineError)} %`,
    );
    lines.push(`${'attribute'.padEnd(22)} error %   AP %  bal.acc %  baseline err %  positives`);
    for (const m of a.attributes) {
      lines.push(
        `${m.name.padEnd(22)} ${pct(m.error)}  ${pct(m.averagePrecision)}  ${pct(m.balancedAccuracy)}     ${pct(m.baselineError)}      ${String(m.positives).padStart(6)}`,
      );
    }
  }
  if (e.localization?.drawn) {
    const d = e.localization.drawn;
    lines.push(
      `localization (SSP region weights, averaged): ${d.hits.length}/${d.hits.length + d.misses.length} drawn attributes in their region (${pct(d.share)} %); misses: ${d.misses.join(', ') || 'none'}`,
    );
    // for each miss: where the weight went, and which region's recognition score alone is right most often
    const { regionWeights: w, regionRecognitionAccuracy: acc } = e.localization;
    const names = e.attributes?.attributes.map((m) => m.name) ?? [];
    for (const miss of d.misses) {
      const a = names.indexOf(miss),
        truth = REGION_NAMES.indexOf(d.regions[miss] as RegionName);
      if (a < 0 || truth < 0) continue;
      const top = (row: number[]): number => row.indexOf(Math.max(...row));
      const [wa, ra] = [w[a]!, acc[a]!];
      lines.push(
        `  ${miss.padEnd(20)} true region ${REGION_NAMES[truth]} (weight ${wa[truth]!.toFixed(2)}, alone ${pct(ra[truth])} %); ` +
          `weight on ${REGION_NAMES[top(wa)]} ${wa[top(wa)]!.toFixed(2)}; most accurate alone: ${REGION_NAMES[top(ra)]} ${pct(ra[top(ra)])} %`,
      );
    }
  }
  if (e.parsing) {
    const p = e.parsing;
    lines.push(`parsing: mean IoU ${pct(p.meanIoU)} %`);
    p.classNames.forEach((n, i) => lines.push(`  ${n.padEnd(12)} IoU ${pct(p.perClass[i])} %`));
    lines.push(...formatConfusion(p.classNames, p.iou.confusion));
  }
  return lines.join('\n');
}

/** The confusion table in % of counted pixels: a row per true class, a column per predicted one. */
export function formatConfusion(classNames: readonly string[], confusion: readonly (readonly number[])[]): string[] {
  const total = confusion.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  if (total === 0) return [];
  const width = Math.max(7, ...classNames.map((n) => n.length + 1));
  const cell = (s: string) => s.padStart(width);
  return [
    `  confusion, % of pixels (rows: truth, columns: predicted)`,
    `  ${''.padEnd(12)}${classNames.map(cell).join('')}`,
    ...confusion.map((row, t) => `  ${classNames[t]!.padEnd(12)}${row.map((v) => cell(((100 * v) / total).toFixed(2))).join('')}`),
  ];
}
