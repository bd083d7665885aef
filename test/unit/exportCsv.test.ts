import assert from 'node:assert/strict';
import type { RunSnapshot } from '../../src/common/runState';
import { HISTOGRAM_BINS, type LayerStatistics } from '../../src/common/statistics';
import { epochsCsv, samplesCsv } from '../../src/export/statisticsCsv';
import { LAYERS, NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

/** Parses RFC 4180 CSV: CRLF records, fields in double quotes may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (character === '"') {
        quoted = false;
      } else {
        field += character;
      }
    } else if (character === '"') {
      quoted = true;
    } else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index++;
    } else {
      field += character;
    }
  }
  assert.equal(field + record.join(''), '', 'the CSV ends with CRLF');
  return records;
}

/** Reads a CSV number as Python's float() and pandas do: NaN, Infinity and -Infinity by name. */
function readNumber(text: string): number {
  return text === 'NaN' ? NaN : Number(text);
}

/** Rows as objects keyed by the header. */
function table(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])));
}

const run = syntheticRun();
const SCALAR_FIELDS = (Object.keys(run.samples[0].layers[0]) as (keyof LayerStatistics)[]).filter((key) => key !== 'histogram');

describe('statistics CSV', () => {
  const csv = samplesCsv(run);
  const rows = table(csv);

  it('has one row per sample and layer', () => {
    assert.equal(rows.length, run.samples.length * LAYERS.length);
  });

  it('has a column for every LayerStatistics field', () => {
    const header = parseCsv(csv)[0];
    const missing = SCALAR_FIELDS.filter((field) => !header.includes(field));
    assert.deepEqual(missing, []);
  });

  it('has one column per histogram bin', () => {
    const header = parseCsv(csv)[0];
    assert.equal(header.filter((name) => name.startsWith('histogram_')).length, HISTOGRAM_BINS);
  });

  it('numbers read back to the same doubles', () => {
    const mismatches: string[] = [];
    rows.forEach((row, index) => {
      const sample = run.samples[Math.floor(index / LAYERS.length)];
      const statistics = sample.layers[index % LAYERS.length];
      for (const field of SCALAR_FIELDS) {
        const expected = statistics[field];
        const actual = row[field] === '' ? null : readNumber(row[field]);
        if (!Object.is(actual, expected)) {
          mismatches.push(`row ${index} ${field}: ${row[field]} vs ${expected}`);
        }
      }
      statistics.histogram.forEach((count, bin) => {
        if (readNumber(row[`histogram_${bin}`]) !== count) {
          mismatches.push(`row ${index} histogram_${bin}`);
        }
      });
      if (readNumber(row.loss) !== sample.loss || Number(row.step) !== sample.step) {
        mismatches.push(`row ${index} loss or step`);
      }
    });
    assert.deepEqual(mismatches.slice(0, 5), []);
  });

  it('writes NaN gradients as NaN', () => {
    const row = rows[NAN_SAMPLES[0] * LAYERS.length];
    assert.equal(row.weightGradNorm, 'NaN');
  });

  it('leaves statistics that do not apply empty', () => {
    assert.equal(rows[0].deadFraction, '');
  });

  it('names each row by layer and 1-based source line', () => {
    const second = rows[1];
    assert.deepEqual(
      { layerIndex: second.layerIndex, layerName: second.layerName, activation: second.activation, units: second.units, sourceLine: second.sourceLine },
      { layerIndex: '1', layerName: LAYERS[1].name, activation: 'sigmoid', units: String(LAYERS[1].units), sourceLine: String(LAYERS[1].line + 1) },
    );
  });

  it('quotes names with commas, quotes and line breaks', () => {
    const odd: RunSnapshot = { ...run, layers: [{ ...LAYERS[0], name: 'a,"b"\nc' }, ...LAYERS.slice(1)] };
    assert.equal(table(samplesCsv(odd))[0].layerName, 'a,"b"\nc');
  });

  it('writes infinite values by name', () => {
    const sample = run.samples[0];
    const infinite: RunSnapshot = {
      ...run,
      samples: [{ ...sample, layers: [{ ...sample.layers[0], weightGradNorm: Infinity, updateRatio: -Infinity }, ...sample.layers.slice(1)] }],
    };
    const [first] = table(samplesCsv(infinite));
    assert.deepEqual([first.weightGradNorm, first.updateRatio], ['Infinity', '-Infinity']);
  });

  it('has only a header for a run without samples', () => {
    assert.equal(parseCsv(samplesCsv({ ...run, samples: [] })).length, 1);
  });
});

describe('epoch CSV', () => {
  it('has one row per epoch with Keras log names', () => {
    const rows = table(epochsCsv(run));
    assert.deepEqual(rows[1], {
      epoch: '1',
      loss: String(run.epochLogs[1].loss),
      accuracy: String(run.epochLogs[1].accuracy),
      valLoss: String(run.epochLogs[1].valLoss),
      valAccuracy: String(run.epochLogs[1].valAccuracy),
      seconds: '41.5',
    });
  });

  it('leaves validation empty without validation', () => {
    const withoutValidation: RunSnapshot = { ...run, epochLogs: run.epochLogs.map(({ valLoss: _loss, valAccuracy: _accuracy, ...logs }) => logs) };
    const [first] = table(epochsCsv(withoutValidation));
    assert.deepEqual([first.valLoss, first.valAccuracy], ['', '']);
  });
});
