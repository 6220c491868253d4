// Option parsers: a bad value fails naming the option and the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int, oneOf, positiveNumber } from '../src/cli/options.js';
import { SSP_FEATURE_LAYERS } from '../src/models/names.js';

test('option parsers accept their range and name the option when refusing', () => {
  assert.equal(positiveNumber('--lr')('0.01'), 0.01);
  assert.throws(() => positiveNumber('--lr')('0'), /--lr must be a positive number, got '0'/);
  assert.equal(positiveNumber('--region-loss', true)('0'), 0);
  assert.throws(() => positiveNumber('--region-loss', true)('-1'), /--region-loss must be a number ≥ 0, got '-1'/);
  assert.throws(() => positiveNumber('--region-loss', true)('abc'), /--region-loss .* got 'abc'/);
  assert.equal(int('--steps', 1)('5'), 5);
  assert.throws(() => int('--steps', 1)('2.5'), /--steps must be an integer ≥ 1/);
  assert.equal(oneOf('--ssp-features', SSP_FEATURE_LAYERS)('conv42'), 'conv42');
  assert.throws(() => oneOf('--ssp-features', SSP_FEATURE_LAYERS)('conv99'), /--ssp-features must be one of conv42, conv52, conv62, got 'conv99'/);
});
