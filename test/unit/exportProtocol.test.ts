import assert from 'node:assert/strict';
import { MAX_EXPORT_DETAIL_LENGTH, MAX_IMAGE_DATA_LENGTH, parseExportRequest } from '../../src/common/exportProtocol';
import { parseWebviewMessage } from '../../src/common/webviewProtocol';

const SVG = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>\n';
/** A 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('export messages from the panel', () => {
  it('accepts an SVG image', () => {
    const message = { type: 'exportImage', figure: 'heatmap', format: 'svg', data: SVG };
    assert.deepEqual(parseWebviewMessage(message), message);
  });

  it('accepts a PNG image with a request id', () => {
    const message = { type: 'exportImage', figure: 'curves', format: 'png', data: PNG, requestId: 3 };
    assert.deepEqual(parseWebviewMessage(message), message);
  });

  it('rejects markup that is not SVG', () => {
    assert.equal(parseWebviewMessage({ type: 'exportImage', figure: 'heatmap', format: 'svg', data: '<html></html>' }), undefined);
  });

  it('rejects PNG data that is not base64', () => {
    assert.equal(parseWebviewMessage({ type: 'exportImage', figure: 'heatmap', format: 'png', data: 'not base64!' }), undefined);
  });

  it('rejects image data over the size limit', () => {
    const data = 'A'.repeat(MAX_IMAGE_DATA_LENGTH + 4);
    assert.equal(parseWebviewMessage({ type: 'exportImage', figure: 'heatmap', format: 'png', data }), undefined);
  });

  it('rejects an unknown figure', () => {
    assert.equal(parseWebviewMessage({ type: 'exportImage', figure: 'histogram', format: 'svg', data: SVG }), undefined);
  });

  it('rejects a negative request id', () => {
    assert.equal(parseWebviewMessage({ type: 'exportImage', figure: 'heatmap', format: 'svg', data: SVG, requestId: -1 }), undefined);
  });

  it('accepts each statistics format', () => {
    for (const format of ['samplesCsv', 'epochsCsv', 'json']) {
      assert.deepEqual(parseWebviewMessage({ type: 'exportStatistics', format }), { type: 'exportStatistics', format });
    }
  });

  it('rejects an unknown statistics format', () => {
    assert.equal(parseWebviewMessage({ type: 'exportStatistics', format: 'xlsx' }), undefined);
  });

  it('drops unknown fields', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'exportStatistics', format: 'json', path: '/etc/passwd' }), { type: 'exportStatistics', format: 'json' });
  });

  it('shortens a long failure detail', () => {
    const parsed = parseWebviewMessage({ type: 'exportFailed', figure: 'heatmap', reason: 'renderFailed', detail: 'x'.repeat(10_000) });
    assert.equal(parsed?.type === 'exportFailed' ? parsed.detail.length : 0, MAX_EXPORT_DETAIL_LENGTH);
  });

  it('rejects an unknown failure reason', () => {
    assert.equal(parseWebviewMessage({ type: 'exportFailed', figure: 'heatmap', reason: 'bored', detail: '' }), undefined);
  });
});

describe('export requests from the host', () => {
  it('accepts a request', () => {
    const message = { type: 'exportRequest', requestId: 1, figure: 'heatmap', format: 'png' };
    assert.deepEqual(parseExportRequest(message), message);
  });

  it('rejects a request without an id', () => {
    assert.equal(parseExportRequest({ type: 'exportRequest', figure: 'heatmap', format: 'png' }), undefined);
  });
});
