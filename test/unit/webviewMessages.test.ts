import assert from 'node:assert/strict';
import { encodeNonFiniteNumbers } from '../../src/common/nonFiniteNumbers';
import { buildPanelStrings } from '../../src/common/panelStrings';
import type { PanelState } from '../../src/common/runState';
import type { HostToWebview } from '../../src/common/webviewProtocol';
import { parseHostMessage } from '../../webview/hostMessages';
import { NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

/** Returns what the panel receives: the message encoded by the host, then sent through JSON as VS Code does. */
function throughTransport(message: HostToWebview): unknown {
  return JSON.parse(JSON.stringify(encodeNonFiniteNumbers(message)));
}

describe('webview host messages', () => {
  const strings = buildPanelStrings();
  const state: PanelState = { kind: 'finished', run: syntheticRun(), stopped: false };

  it('setState survives the JSON transport unchanged, NaN included', () => {
    const parsed = parseHostMessage(throughTransport({ type: 'setState', state, strings }));
    assert.deepStrictEqual(parsed, { type: 'setState', state, strings });
  });

  it('a sample update keeps NaN apart from not applicable', () => {
    const sample = syntheticRun().samples[NAN_SAMPLES[0]];
    const parsed = parseHostMessage(throughTransport({ type: 'update', update: { type: 'sample', sample } }));
    const layer = parsed?.type === 'update' && parsed.update.type === 'sample' ? parsed.update.sample.layers[0] : undefined;
    assert.deepEqual([layer?.weightGradNorm, layer?.deadFraction], [NaN, null]);
  });

  it('plain JSON null in a number field reads as NaN', () => {
    const raw = JSON.parse(JSON.stringify({ type: 'update', update: { type: 'epoch', logs: { epoch: 0, loss: NaN, accuracy: 0.5, seconds: 1 } } }));
    const parsed = parseHostMessage(raw);
    const loss = parsed?.type === 'update' && parsed.update.type === 'epoch' ? parsed.update.logs.loss : undefined;
    assert.deepEqual(loss, NaN);
  });

  it('infinities survive the transport', () => {
    const logs = { epoch: 0, loss: Infinity, accuracy: -Infinity, seconds: 1 };
    const parsed = parseHostMessage(throughTransport({ type: 'update', update: { type: 'epoch', logs } }));
    assert.deepEqual(parsed, { type: 'update', update: { type: 'epoch', logs: { ...logs, valLoss: undefined, valAccuracy: undefined } } });
  });

  it('unknown message types are ignored', () => {
    assert.equal(parseHostMessage({ type: 'reveal', specIndex: 1 }), undefined);
  });

  it('a state of unknown kind is ignored', () => {
    assert.equal(parseHostMessage({ type: 'setState', state: { kind: 'paused' }, strings }), undefined);
  });

  it('setState without strings is ignored', () => {
    assert.equal(parseHostMessage({ type: 'setState', state: { kind: 'idle' } }), undefined);
  });

  it('non-object data is ignored', () => {
    assert.deepEqual(['ready', null, 3].map(parseHostMessage), [undefined, undefined, undefined]);
  });
});
