import assert from 'node:assert/strict';
import { buildPanelStrings } from '../../src/common/panelStrings';
import {
  fillTemplate,
  formatFixed,
  formatInteger,
  formatPercent,
  formatPowerOfTen,
  formatStatistic,
  formatTick,
  layerLabel,
} from '../../webview/format';
import { LAYERS } from '../browser-fixtures/syntheticRun';

const strings = buildPanelStrings();

describe('webview format', () => {
  it('fillTemplate replaces placeholders by position', () => {
    assert.equal(fillTemplate('Epoch {0} / {1}', 3, 20), 'Epoch 3 / 20');
  });

  it('fillTemplate keeps placeholders that have no argument', () => {
    assert.equal(fillTemplate('{0} of {1}', 'a'), 'a of {1}');
  });

  it('fillTemplate accepts placeholders in any order', () => {
    assert.equal(fillTemplate('{1} before {0}', 'x', 'y'), 'y before x');
  });

  it('layerLabel joins name, activation and units', () => {
    assert.equal(layerLabel(LAYERS[0]), 'dense_1 · sigmoid · 64');
  });

  it('layerLabel leaves out units the layer lacks', () => {
    assert.equal(layerLabel({ ...LAYERS[0], units: undefined, name: 'activation_1', activation: 'relu' }), 'activation_1 · relu');
  });

  it('formatStatistic writes small gradients in scientific notation', () => {
    assert.equal(formatStatistic(3.215e-5, 'en'), '3.215 × 10⁻⁵');
  });

  it('formatStatistic writes mid-range values plainly with 4 significant digits', () => {
    assert.equal(formatStatistic(0.0921549, 'en'), '0.09215');
  });

  it('formatStatistic writes large values in scientific notation', () => {
    assert.equal(formatStatistic(123456, 'en'), '1.235 × 10⁵');
  });

  it('formatStatistic rounds before choosing the exponent', () => {
    assert.equal(formatStatistic(9.99996e-5, 'en'), '1 × 10⁻⁴');
  });

  it('formatStatistic writes zero as 0', () => {
    assert.equal(formatStatistic(0, 'en'), '0');
  });

  it('formatStatistic names non-finite values', () => {
    assert.deepEqual([NaN, Infinity, -Infinity].map((value) => formatStatistic(value, 'en')), ['NaN', '∞', '−∞']);
  });

  it('formatStatistic uses the locale decimal separator', () => {
    assert.equal(formatStatistic(0.5, 'vi'), '0,5');
  });

  it('formatInteger groups thousands for the locale', () => {
    assert.deepEqual([formatInteger(10000, 'en'), formatInteger(10000, 'vi')], ['10,000', '10.000']);
  });

  it('formatInteger falls back to English for an unknown locale', () => {
    assert.equal(formatInteger(10000, 'not a locale!'), '10,000');
  });

  it('formatFixed keeps trailing zeros', () => {
    assert.equal(formatFixed(2.3, 4, 'en'), '2.3000');
  });

  it('formatPercent goes through the localized template', () => {
    assert.equal(formatPercent(0.1135, strings, 'en'), '11.35 %');
  });

  it('formatPowerOfTen writes superscript exponents', () => {
    assert.deepEqual([formatPowerOfTen(-12), formatPowerOfTen(3)], ['10⁻¹²', '10³']);
  });

  it('formatTick writes powers of ten on a log scale', () => {
    assert.deepEqual([1e-6, 0.01, 1, 100].map((value) => formatTick(value, 'en', true)), ['10⁻⁶', '10⁻²', '1', '10²']);
  });

  it('formatTick writes other values with 3 significant digits', () => {
    assert.equal(formatTick(0.12345, 'en', true), '0.123');
  });
});
