import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../../src/common/findings';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { RunSnapshot } from '../../src/common/runState';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { diagnose } from '../../src/diagnosis';
import { applySourceEdits, computeFix } from '../../src/editor/fixes';
import { parseModelFile } from '../../src/parser';
import { train } from '../../src/trainer/train';
import { messagesOfType, REPOSITORY_ROOT, trainOptions } from '../helpers/modelSpecs';

const SEED_MODEL = readFileSync(path.join(REPOSITORY_ROOT, 'test/fixtures/parser/seed_model.py'), 'utf8');
const SEED = 42;

function specOf(text: string): ModelSpec {
  const result = parseModelFile(text, 'seed_model.py');
  assert.ok(result.spec, result.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
  return result.spec;
}

/**
 * Trains the first epoch of `spec` on the full 48,000 / 12,000 split with the wasm backend
 * and returns the run as the host keeps it. The test set is cut to 1,000 examples, which
 * the diagnosis does not read.
 */
async function trainFirstEpoch(spec: ModelSpec): Promise<RunSnapshot> {
  const messages: TrainerToHost[] = [];
  await train(spec, trainOptions({ seed: SEED, maxEpochs: 1, testLimit: 1000 }), (message) => messages.push(message), () => false);
  const [started] = messagesOfType(messages, 'trainingStarted');
  return {
    fileName: spec.fileName,
    seed: started.seed,
    layers: started.layers,
    epochs: started.epochs,
    stepsPerEpoch: started.stepsPerEpoch,
    samples: messagesOfType(messages, 'sample').map((message) => message.sample),
    epochLogs: messagesOfType(messages, 'epoch').map((message) => message.logs),
  };
}

function kinds(findings: readonly Finding[]): string[] {
  return findings.map((finding) => finding.kind);
}

describe('ReLU quick fix on the seed model', function () {
  // Two epochs of 1,500 steps: about 10 s each on wasm on a 2-core machine; allow for slower ones.
  this.timeout(900_000);

  let sigmoidSpec: ModelSpec;
  let sigmoidRun: RunSnapshot;
  let sigmoidFindings: Finding[];
  let fixedText: string;
  let reluRun: RunSnapshot;

  before(async () => {
    sigmoidSpec = specOf(SEED_MODEL);
    sigmoidRun = await trainFirstEpoch(sigmoidSpec);
    sigmoidFindings = diagnose(sigmoidSpec, sigmoidRun);

    const vanishing = sigmoidFindings.find((finding) => finding.kind === 'vanishingGradients');
    assert.ok(vanishing?.fixes.includes('reluHiddenActivations'), `findings of the sigmoid run: ${kinds(sigmoidFindings).join(', ')}`);
    const fix = computeFix('reluHiddenActivations', SEED_MODEL, sigmoidSpec);
    assert.ok(fix);
    fixedText = applySourceEdits(SEED_MODEL, fix.edits);
    reluRun = await trainFirstEpoch(specOf(fixedText));
  });

  it('sigmoid run finds vanishing gradients', () => {
    assert.ok(kinds(sigmoidFindings).includes('vanishingGradients'), kinds(sigmoidFindings).join(', '));
  });

  it('vanishing finding points at the first hidden layer', () => {
    const vanishing = sigmoidFindings.find((finding) => finding.kind === 'vanishingGradients');

    assert.equal(vanishing?.specIndexes[0], 2);
    assert.equal(sigmoidSpec.layers[2].range.startLine, 8);
  });

  it('sigmoid run stays near chance', () => {
    const accuracy = sigmoidRun.epochLogs[0].valAccuracy ?? 1;

    assert.ok(accuracy < 0.2, `validation accuracy ${accuracy}`);
  });

  it('fixed file trains with the same seed', () => {
    assert.equal(reluRun.seed, sigmoidRun.seed);
  });

  it('fixed file reaches 80% after one epoch', () => {
    const accuracy = reluRun.epochLogs[0].valAccuracy ?? 0;

    assert.ok(accuracy >= 0.8, `validation accuracy ${accuracy}`);
  });

  it('fixed file has no vanishing gradients', () => {
    const findings = diagnose(specOf(fixedText), reluRun);

    assert.ok(!kinds(findings).includes('vanishingGradients'), kinds(findings).join(', '));
  });
});
