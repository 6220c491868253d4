/** The markdown report: Table 2, per-attribute tables, Table 4 and the region-weight table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeMetrics } from '../src/metrics/metrics.js';
import { IoUAccumulator } from '../src/metrics/iou.js';
import { renderReport, pct, markdownTable, TABLE2_METHODS, constantBalancedAccuracy } from '../src/eval/report.js';
import { REGION_NAMES } from '../src/regions.js';
import { addRegionHits } from '../src/eval/ssp_region_stats.js';
import { formatEvaluation } from '../src/eval/format.js';

/** The table that follows a heading line (exact), as rows of trimmed cells (header first, separator dropped). */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  let i = lines.indexOf(heading);
  assert.ok(i >= 0, `no heading "${heading}"`);
  while (!lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith('|'); i++) {
    if (/^\|[-:|]+\|$/.test(lines[i]!)) continue;
    rows.push(
      lines[i]!.slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

// 2 attributes × 4 images (the case of eval_metrics.test.ts): error 25 % and 50 %, AP 83.33 % and —
const labels = new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]);
const basic = attributeMetrics(new Float32Array([0.9, 0.2, 0.5, 0.7, 0.5, 0.4, 0.1, 0.6]), labels, ['Smiling', 'Bald']);
// SSP: perfect on Smiling (error 0, AP 100), still wrong twice on Bald
const ssp = attributeMetrics(new Float32Array([0.9, 0.2, 0.1, 0.7, 0.8, 0.4, 0.2, 0.6]), labels, ['Smiling', 'Bald']);

test('pct and markdownTable', () => {
  assert.equal(pct(0.123456), '12.35');
  assert.equal(pct(1), '100.00');
  assert.equal(pct(null), '—');
  assert.equal(pct(NaN), '—');
  assert.equal(markdownTable(['a', 'b|c'], [['1', '2']]), '| a | b\\|c |\n|:---|---:|\n| 1 | 2 |');
  assert.equal(constantBalancedAccuracy(1, 3, 10), 0.5);
  assert.equal(constantBalancedAccuracy(0, 0, 10), 1);
  assert.equal(constantBalancedAccuracy(1, 0, 10), 0);
});

test('Table 2: the paper rows in order, values as percentages, absent methods as —', () => {
  const md = renderReport({
    title: 'facet on synth',
    dataset: 'synth test (4 images)',
    methods: [
      { method: 'SSP', report: ssp, note: '200 iterations' },
      { method: 'Avg. Pooling (basic)', report: basic },
      { method: 'My ablation', report: basic },
    ],
  });
  const t = tableAfter(md, '## Attribute prediction (Table 2)');
  assert.deepEqual(t[0], ['Method', 'Mean error (%)', 'Mean accuracy (%)', 'mAP (%)', 'Mean balanced acc. (%)', 'Images', 'Note']);
  assert.deepEqual(
    t.slice(1).map((r) => r[0]),
    [...TABLE2_METHODS, 'My ablation', 'Majority class'],
  );
  // basic: mean error 3/8, accuracy 5/8, mAP 5/6, BA 5/8
  assert.deepEqual(t[1], ['Avg. Pooling (basic)', '37.50', '62.50', '83.33', '62.50', '4', '']);
  assert.deepEqual(t[2], ['SPPNet*', '—', '—', '—', '—', '—', 'not run']);
  // SSP: Smiling error 0, Bald error 1/2 → 25.00; mAP 100; BA (1 + 1/2)/2 = 75
  assert.deepEqual(t[5], ['SSP', '25.00', '75.00', '100.00', '75.00', '4', '200 iterations']);
  // majority: errors 1/2 and 0 → 25.00; balanced accuracy 0.5 (Smiling) and 1 (Bald: no positive, predicts negative)
  assert.deepEqual(t[9], ['Majority class', '25.00', '75.00', '—', '75.00', '4', 'always the training-set majority']);
  assert.match(md, /Evaluated on synth test \(4 images\)\./);
});

test('per-attribute tables: one column per method that ran, best in bold, a mean row', () => {
  const md = renderReport({
    title: 't',
    methods: [
      { method: 'Avg. Pooling (basic)', report: basic },
      { method: 'SSP', report: ssp },
    ],
  });
  const err = tableAfter(md, '### Classification error (%) per attribute');
  assert.deepEqual(err[0], ['Attribute', 'Prevalence (%)', 'Majority', 'Avg. Pooling (basic)', 'SSP']);
  assert.deepEqual(err[1], ['Smiling', '50.00', '50.00', '25.00', '**0.00**']);
  assert.deepEqual(err[2], ['Bald', '0.00', '0.00', '**50.00**', '**50.00**']);
  assert.deepEqual(err[3], ['**Mean**', '25.00', '25.00', '37.50', '25.00']);
  const ap = tableAfter(md, '### Average precision (%) per attribute');
  assert.deepEqual(ap[0], ['Attribute', 'Prevalence (%)', 'Avg. Pooling (basic)', 'SSP']);
  assert.deepEqual(ap[1], ['Smiling', '50.00', '83.33', '**100.00**']);
  assert.deepEqual(ap[2], ['Bald', '0.00', '—', '—']);
  assert.deepEqual(ap[3], ['**Mean**', '25.00', '83.33', '100.00']);
  assert.ok(md.includes('### Balanced accuracy (%) per attribute'));
  const only = renderReport({ title: 't', methods: [{ method: 'SSP', report: ssp }], perAttribute: ['accuracy'], baseline: false });
  assert.ok(!only.includes('### Classification error'));
  assert.deepEqual(tableAfter(only, '### Accuracy (%) per attribute')[1], ['Smiling', '50.00', '100.00']);
  assert.ok(!only.includes('Majority class'));
});

test('Table 4: IoU per region and mean, parser alone vs joint', () => {
  const alone = new IoUAccumulator(REGION_NAMES);
  const joint = new IoUAccumulator(REGION_NAMES);
  const truth = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 2]);
  joint.add(truth, truth);
  alone.add(new Uint8Array([0, 1, 2, 3, 4, 5, 2, 2]), truth); // nose predicted as skin
  const md = renderReport({
    title: 't',
    methods: [],
    parsingDataset: 'Helen test',
    parsing: [
      { label: 'Parser alone', iou: alone.result() },
      { label: 'Joint (parser + attributes)', iou: joint.result() },
    ],
  });
  const t = tableAfter(md, '## Face parsing (Table 4)');
  assert.deepEqual(t[0], ['Model', ...REGION_NAMES, 'Mean', 'Pixel acc.']);
  // alone: skin I 2, U 3 → 66.67; nose I 0, U 1 → 0; mean (5 + 2/3)/7 = 80.95; pixels 7/8
  assert.deepEqual(t[1], ['Parser alone', '100.00', '100.00', '66.67', '100.00', '100.00', '100.00', '0.00', '80.95', '87.50']);
  assert.deepEqual(t[2], ['Joint (parser + attributes)', ...Array(7).fill('100.00'), '100.00', '100.00']);
  // no attribute method ran: Table 2 is all placeholders, no per-attribute tables
  assert.equal(tableAfter(md, '## Attribute prediction (Table 2)').length, 1 + TABLE2_METHODS.length);
  assert.ok(!md.includes('per attribute'));
});

test('region-weight table: attributes × regions, argmax bold, expected marked', () => {
  const w = new Float32Array([
    0.1,
    0.1,
    0.1,
    0.1,
    0.1,
    0.4,
    0.1, // Smiling: mouth
    0.05,
    0.6,
    0.05,
    0.1,
    0.1,
    0.05,
    0.05, // Bald: hair, expected hair
  ]);
  const md = renderReport({
    title: 't',
    methods: [],
    regionWeights: { attributeNames: ['Smiling', 'Bald'], regionNames: REGION_NAMES, weights: w, expected: [5, 2], source: 'synth test' },
  });
  const t = tableAfter(md, '## Region weights (Figure 4)');
  assert.deepEqual(t[0], ['Attribute', ...REGION_NAMES, 'Argmax', 'Expected']);
  assert.deepEqual(t[1], ['Smiling', '0.100', '0.100', '0.100', '0.100', '0.100', '**0.400** †', '0.100', 'mouth', 'mouth']);
  assert.deepEqual(t[2], ['Bald', '0.050', '**0.600**', '0.050 †', '0.100', '0.100', '0.050', '0.050', 'hair', 'skin']);
  assert.deepEqual(t[3], ['**Argmax = expected**', '', '', '', '', '', '', '', '1/2', '']);
});

test('figures, reproduction and notes sections', () => {
  const md = renderReport({
    title: 'Run 3',
    generated: 'facet 0.1.0, 2025-01-01',
    methods: [{ method: 'SSP', report: ssp }],
    figures: [{ title: 'Figure 3: parsing', path: 'figures/parse grid.png', caption: 'Helen test, first 4.' }],
    commands: ['facet train --model ssp', 'facet eval --model ssp'],
    budgets: { iterations: 200, 'batch size': 32 },
    seeds: { train: 7 },
    notes: ['width 0.25'],
  });
  assert.ok(md.startsWith('# Run 3\n\n_facet 0.1.0, 2025-01-01_\n'));
  assert.ok(md.includes('![Figure 3: parsing](figures/parse%20grid.png)'));
  assert.ok(md.includes('```sh\nfacet train --model ssp\nfacet eval --model ssp\n```'));
  assert.deepEqual(tableAfter(md, '## Reproduction').slice(0, 3), [
    ['Budget', 'Value'],
    ['iterations', '200'],
    ['batch size', '32'],
  ]);
  assert.ok(md.includes('| train | 7 |'));
  assert.ok(md.includes('## Notes\n\n- width 0.25\n'));
  assert.ok(!/\n\n\n/.test(md));
  assert.throws(
    () =>
      renderReport({
        title: 't',
        methods: [
          { method: 'SSP', report: ssp },
          { method: 'SSP', report: basic },
        ],
      }),
    /given twice/,
  );
});

test('per-region recognition hits: each region scored alone against the labels (known values)', () => {
  // 2 items × 3 regions × 2 attributes; labels item0 = [1, 0], item1 = [0, 0]
  const scores = Float32Array.from([/* item 0 */ 2, -1, /* r1 */ -3, 4, /* r2 */ 0.5, 0, /* item 1 */ -2, -1, /* r1 */ 1, -4, /* r2 */ -0.5, 3]);
  const correct = new Float64Array(2 * 3);
  addRegionHits(scores, [1, 0, 0, 0], 2, correct);
  // attribute 0 (rows of correct are attributes): r0 right twice, r1 never, r2 twice
  // attribute 1: r0 twice (−1, −1), r1 once (item 1: −4), r2 once (item 0: score 0 is negative)
  assert.deepEqual(Array.from(correct), [2, 0, 2, 2, 1, 1]);
});

test('eval prints, for each localization miss, where the weight went and which region alone is most accurate', () => {
  const names = ['Black_Hair', 'Smiling'];
  const text = formatEvaluation({
    run: 'r',
    kind: 'attr',
    method: 'ssp',
    data: 'd',
    split: 'test',
    attributes: attributeMetrics(Float32Array.from([0.9, 0.2, 0.1, 0.8]), Uint8Array.from([1, 0, 0, 1]), names),
    localization: {
      regionWeights: [
        [0, 0.1, 0, 0, 0.8, 0.1, 0],
        [0, 0, 0, 0, 0, 1, 0],
      ],
      regionRecognitionAccuracy: [
        [0.5, 0.9, 0.6, 0.7, 1, 0.5, 0.5],
        [0.5, 0.5, 0.5, 0.5, 0.5, 1, 0.5],
      ],
      drawn: { hits: ['Smiling'], misses: ['Black_Hair'], share: 0.5, regions: { Black_Hair: 'hair', Smiling: 'mouth' } },
    },
  });
  assert.match(text, /1\/2 drawn attributes in their region/);
  assert.match(text, /Black_Hair\s+true region hair \(weight 0\.10, alone  90\.00 %\); weight on eyebrows 0\.80; most accurate alone: eyebrows 100\.00 %/);
  assert.doesNotMatch(text, /Smiling\s+true region/);
});
