/**
 * "Train model" in desktop VS Code on the seed model (six sigmoid Dense layers and a
 * softmax output on MNIST), with the workspace settings runTests.ts writes: one epoch on the
 * wasm backend.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PanelState } from '../../../src/common/runState';

const EXTENSION_ID = 'gradient-flow.gradient-flow';
// Keras names Dense layers `dense`, `dense_1`, ... in creation order; the seed has seven.
const EXPECTED_DENSE_LAYERS = ['dense', 'dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5', 'dense_6'];

describe('Train model in desktop VS Code', () => {
  let finalState: PanelState | undefined;

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `Extension ${EXTENSION_ID} is not loaded.`);
    await extension.activate();

    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'No workspace folder is open.');
    const modelUri = vscode.Uri.joinPath(folder.uri, 'seed_model.py');
    await vscode.window.showTextDocument(modelUri);

    // The command resolves with the panel state once the trainer process has ended.
    finalState = await vscode.commands.executeCommand<PanelState | undefined>('gradientFlow.trainModel', modelUri);
  });

  it('seed model run finishes', () => {
    assert.equal(finalState?.kind, 'finished', `Final state: ${JSON.stringify(finalState)?.slice(0, 500)}`);
  });

  it('seed model run is not stopped early', () => {
    const stopped = finalState?.kind === 'finished' ? finalState.stopped : undefined;
    assert.equal(stopped, false);
  });

  it('panel tracks every Dense layer in source order', () => {
    const layers = finalState && 'run' in finalState ? finalState.run?.layers ?? [] : [];
    const denseNames = layers.filter((layer) => layer.className === 'Dense').map((layer) => layer.name);
    assert.deepEqual(denseNames, EXPECTED_DENSE_LAYERS);
  });

  it('run ends with a test evaluation', () => {
    const evaluation = finalState?.kind === 'finished' ? finalState.run.evaluation : undefined;
    assert.ok(evaluation, 'The finished run has no test evaluation.');
    assert.ok(evaluation.examples > 0, `Evaluated on ${evaluation.examples} examples.`);
    assert.ok(evaluation.accuracy >= 0, `Accuracy ${evaluation.accuracy} is negative.`);
    assert.ok(evaluation.accuracy <= 1, `Accuracy ${evaluation.accuracy} is above 1.`);
  });

  it('statistics samples arrive during the run', () => {
    const samples = finalState?.kind === 'finished' ? finalState.run.samples.length : 0;
    assert.ok(samples > 0, 'The finished run has no statistics samples.');
  });
});
