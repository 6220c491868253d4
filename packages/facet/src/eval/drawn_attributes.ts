// Checks on synthetic data (synth.json), whose generator draws some attributes in one
// known region: do the methods beat the majority class on them, and does SSP weigh each
// one most in the region it is drawn in.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeReport } from '../metrics/metrics.js';

/** synth.json's drawn attributes: name → region index; null for other data. */
export function drawnAttributes(dataDir: string): Map<string, number> | null {
  const p = join(dataDir, 'synth.json');
  if (!existsSync(p)) return null;
  const meta = JSON.parse(readFileSync(p, 'utf8')) as { drawn: Record<string, { region: number }> };
  return new Map(Object.entries(meta.drawn).map(([name, d]) => [name, d.region]));
}

export interface DrawnCheck {
  method: string;
  meanError: number;
  majorityError: number;
  beatsMajority: boolean;
}

/** Mean error over the drawn attributes, against the majority-class baseline's. */
export function drawnAttributeCheck(method: string, report: AttributeReport, drawn: Map<string, number>): DrawnCheck {
  const rows = report.attributes.filter((a) => drawn.has(a.name));
  const meanError = rows.reduce((s, a) => s + a.error, 0) / rows.length;
  const majorityError = rows.reduce((s, a) => s + a.baselineError, 0) / rows.length;
  return { method, meanError, majorityError, beatsMajority: meanError < majorityError };
}

/** Share of the drawn attributes whose largest averaged region weight is their true region. */
export function localizationHits(
  weights: Float32Array,
  attributeNames: readonly string[],
  regions: number,
  drawn: Map<string, number>,
): { hits: string[]; misses: string[]; share: number } {
  const hits: string[] = [],
    misses: string[] = [];
  attributeNames.forEach((name, a) => {
    const truth = drawn.get(name);
    if (truth === undefined) return;
    let best = 0;
    for (let r = 1; r < regions; r++) if (weights[a * regions + r]! > weights[a * regions + best]!) best = r;
    (best === truth ? hits : misses).push(name);
  });
  return { hits, misses, share: hits.length / Math.max(1, hits.length + misses.length) };
}
