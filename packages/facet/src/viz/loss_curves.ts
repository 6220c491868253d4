// Training curves: loss against step for one or more series (e.g. attribute BCE and
// parsing loss of the joint model, or train vs validation).
import sharp from 'sharp';
import { writePng } from './io.js';
import { lineChart, type LineChartOptions } from './svg.js';

export interface LossSeries {
  name: string;
  /** [step, loss] pairs; non-finite values break the line (and non-positive ones on a log axis) */
  points: readonly (readonly [number, number])[];
  /** CSS colour; defaults to the series palette */
  color?: string;
}

export interface LossCurveOptions extends LineChartOptions {}

/** Writes a line chart of the series to `path` (PNG, atomically). Default axes: "iteration", "loss". */
export async function lossCurves(series: readonly LossSeries[], path: string, options: LossCurveOptions = {}): Promise<void> {
  const { svg } = lineChart(series, {
    title: 'Training loss',
    xLabel: 'iteration',
    yLabel: options.logY ? 'loss (log scale)' : 'loss',
    ...options,
  });
  await writePng(sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }), path);
}
