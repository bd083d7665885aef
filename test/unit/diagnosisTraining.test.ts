/**
 * The diagnosis on real training runs: each finding kind has a model that must get it and
 * a neighbour that must not. Real parser, real MNIST, the in-process trainer on wasm.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Finding } from '../../src/common/findings';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { TrainOptions } from '../../src/common/trainerProtocol';
import { DEAD_FRACTION } from '../../src/diagnosis/deadRelu';
import { median } from '../../src/diagnosis/windows';
import { messagesOfType } from '../helpers/modelSpecs';
import {
  EXAMPLES,
  FIXTURES,
  findingOf,
  kinds,
  parseFile,
  timesSwitchedOff,
  trainSpec,
  withHiddenDenseConfig,
  type TrainedRun,
} from '../fixtures/diagnosis/runTraining';

/** 20,000 examples: 16,000 after the validation split, 500 batches of 32. */
const SUBSET: Partial<TrainOptions> = { trainLimit: 20_000 };

const example = (name: string): ModelSpec => parseFile(path.join(EXAMPLES, name));
const fixture = (name: string): ModelSpec => parseFile(path.join(FIXTURES, name));
const specIndexOf = (spec: ModelSpec, name: string): number => spec.layers.findIndex((layer) => layer.name === name);

describe('diagnosis of real training runs', function () {
  // Two full epochs of 1,500 steps, twelve of 500, and two runs that overflow within five steps.
  this.timeout(600_000);

  describe('classroom sigmoid model, full split', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(example('deep_sigmoid.py'));
    });

    it('finds vanishing gradients', () => {
      findingOf(trained.findings, 'vanishingGradients');
    });

    it('names the first two hidden layers', () => {
      const names = findingOf(trained.findings, 'vanishingGradients').specIndexes.map((index) => trained.spec.layers[index].name);

      assert.deepEqual(names.slice(0, 2), ['dense', 'dense_1']);
    });

    it('does not name the output layer', () => {
      const finding = findingOf(trained.findings, 'vanishingGradients');

      assert.ok(!finding.specIndexes.includes(specIndexOf(trained.spec, 'dense_6')), `named ${finding.specIndexes.join(', ')}`);
    });

    it('explains the sigmoid derivative bound', () => {
      assert.match(findingOf(trained.findings, 'vanishingGradients').explanation, /at most 0\.25/);
    });

    it('offers relu and batch normalization', () => {
      assert.deepEqual(findingOf(trained.findings, 'vanishingGradients').fixes, ['reluHiddenActivations', 'insertBatchNormalization']);
    });

    it('keeps the finding once made', () => {
      assert.equal(timesSwitchedOff(trained, 'vanishingGradients'), 0);
    });

    it('makes the finding within the first epoch', () => {
      assert.ok(findingOf(trained.findings, 'vanishingGradients').firstStep < 1500);
    });

    it('finds no other cause', () => {
      assert.deepEqual(kinds(trained.findings), ['vanishingGradients']);
    });
  });

  describe('ReLU with he_uniform and SGD, full split', () => {
    it('gets no findings', async () => {
      const trained = await trainSpec(example('relu_fix.py'));

      assert.deepEqual(kinds(trained.findings), []);
    });
  });

  describe('ReLU with Adam', () => {
    it('gets no gradient findings', async () => {
      const trained = await trainSpec(fixture('relu_adam.py'), SUBSET);
      const gradientKinds = ['vanishingGradients', 'explodingGradients', 'nonFinite', 'deadRelu'];

      assert.deepEqual(
        kinds(trained.findings).filter((kind) => gradientKinds.includes(kind)),
        [],
      );
    });
  });

  describe('learning rate 10, which overflows', () => {
    let trained: TrainedRun;
    let nonFinite: Finding;
    let layerName: string;

    before(async () => {
      trained = await trainSpec(example('exploding_lr.py'), SUBSET);
      nonFinite = findingOf(trained.findings, 'nonFinite');
      layerName = trained.spec.layers[nonFinite.specIndexes[0]]?.name ?? '';
    });

    it('samples the step that overflowed and stops there', () => {
      assert.deepEqual(
        trained.run.samples.map((sample) => sample.step),
        [0, 4],
      );
    });

    it('finishes without a test evaluation', () => {
      assert.deepEqual(trained.messages.at(-1), { type: 'finished', stopped: false });
      assert.equal(messagesOfType(trained.messages, 'evaluation').length, 0);
    });

    it('finds NaN as an error at step 5', () => {
      assert.equal(nonFinite.severity, 'error');
      assert.equal(nonFinite.firstStep, 4);
      assert.match(nonFinite.title, /step 5/);
    });

    it('names a hidden layer whose outputs overflowed', () => {
      const hidden = trained.spec.layers.filter((layer) => layer.className === 'Dense').slice(0, -1).map((layer) => layer.name);

      assert.ok(hidden.includes(layerName), `named ${layerName}`);
      assert.match(nonFinite.title, new RegExp(`outputs of ${layerName} overflowed`));
    });

    it('logs the same step and layer', () => {
      const errors = messagesOfType(trained.messages, 'log').filter((log) => log.level === 'error');
      const line = trained.spec.layers[nonFinite.specIndexes[0]].range.startLine + 1;

      assert.equal(errors.length, 1);
      assert.match(errors[0].message, new RegExp(`step 5 .*${layerName} on line ${line}\\.`));
    });

    it('offers a lower learning rate and clipping', () => {
      assert.deepEqual(nonFinite.fixes, ['lowerLearningRate', 'addGradientClipping']);
    });

    it('finds no other cause', () => {
      assert.deepEqual(kinds(trained.findings), ['nonFinite']);
    });
  });

  describe('softmax regression at learning rate 100', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(fixture('softmax_regression_lr100.py'), SUBSET);
    });

    it('finds the learning rate too high', () => {
      findingOf(trained.findings, 'learningRateTooHigh');
    });

    it('points to the compile call', () => {
      assert.deepEqual(findingOf(trained.findings, 'learningRateTooHigh').range, trained.spec.compile.range);
    });

    it('offers a lower learning rate', () => {
      assert.deepEqual(findingOf(trained.findings, 'learningRateTooHigh').fixes, ['lowerLearningRate']);
    });

    it('keeps the finding once made', () => {
      assert.equal(timesSwitchedOff(trained, 'learningRateTooHigh'), 0);
    });

    it('finds no other cause', () => {
      assert.deepEqual(kinds(trained.findings), ['learningRateTooHigh']);
    });
  });

  describe('softmax regression at learning rate 0.1', () => {
    it('gets no findings', async () => {
      const trained = await trainSpec(fixture('softmax_regression.py'), SUBSET);

      assert.deepEqual(kinds(trained.findings), []);
    });
  });

  describe('raw pixels into sigmoid layers', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(fixture('raw_pixels_sigmoid.py'), SUBSET);
    });

    it('finds the first layer saturated', () => {
      const finding = findingOf(trained.findings, 'saturatedActivations');

      assert.equal(finding.specIndexes[0], specIndexOf(trained.spec, 'dense'));
    });

    it('offers to scale the inputs', () => {
      assert.ok(findingOf(trained.findings, 'saturatedActivations').fixes.includes('scaleInputs'));
    });
  });

  describe('scaled pixels into sigmoid layers', () => {
    it('gets no saturation finding', async () => {
      const trained = await trainSpec(fixture('scaled_sigmoid.py'), SUBSET);

      assert.ok(!kinds(trained.findings).includes('saturatedActivations'), kinds(trained.findings).join(', '));
    });
  });

  describe('ReLU layers with bias −1', () => {
    let trained: TrainedRun;

    before(async () => {
      // The parser reads initializers only with their default settings, so the bias is set on the spec.
      const spec = withHiddenDenseConfig(fixture('deep_relu.py'), { bias_initializer: { class_name: 'Constant', config: { value: -1 } } });
      trained = await trainSpec(spec, SUBSET);
    });

    it('finds dead ReLU units', () => {
      findingOf(trained.findings, 'deadRelu');
    });

    it('names every layer after the first', () => {
      const names = findingOf(trained.findings, 'deadRelu').specIndexes.map((index) => trained.spec.layers[index].name);

      assert.deepEqual(names.slice(-5), ['dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5']);
    });

    it('does not offer a lower learning rate at the default', () => {
      assert.deepEqual(findingOf(trained.findings, 'deadRelu').fixes, ['insertBatchNormalization']);
    });
  });

  describe('ReLU layers with he_uniform weights and bias 0', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(fixture('deep_relu.py'), SUBSET);
    });

    it('gets no dead-ReLU finding', () => {
      assert.ok(!kinds(trained.findings).includes('deadRelu'), kinds(trained.findings).join(', '));
    });

    it('gets no stall finding', () => {
      assert.ok(!kinds(trained.findings).includes('stalledNearChance'), kinds(trained.findings).join(', '));
    });
  });

  describe('SGD at learning rate 1e-5', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(fixture('tiny_learning_rate.py'), SUBSET);
    });

    it('finds the learning rate too low', () => {
      findingOf(trained.findings, 'learningRateTooLow');
    });

    it('offers a higher learning rate', () => {
      assert.deepEqual(findingOf(trained.findings, 'learningRateTooLow').fixes, ['raiseLearningRate']);
    });

    it('finds no gradient problem', () => {
      assert.deepEqual(kinds(trained.findings), ['learningRateTooLow']);
    });
  });

  describe('tanh layers with RandomNormal(stddev=0.5) weights', () => {
    let trained: TrainedRun;

    before(async () => {
      // The parser reads initializers only with their default settings, so the kernel initializer is set on the spec.
      const spec = withHiddenDenseConfig(fixture('deep_tanh.py'), {
        kernel_initializer: { class_name: 'RandomNormal', config: { stddev: 0.5 } },
      });
      trained = await trainSpec(spec, SUBSET);
    });

    it('finds exploding gradients', () => {
      findingOf(trained.findings, 'explodingGradients');
    });

    it('names the first hidden layer first', () => {
      assert.equal(findingOf(trained.findings, 'explodingGradients').specIndexes[0], specIndexOf(trained.spec, 'dense'));
    });

    it('offers clipping and a lower learning rate', () => {
      assert.deepEqual(findingOf(trained.findings, 'explodingGradients').fixes, ['addGradientClipping', 'lowerLearningRate']);
    });
  });

  describe('tanh layers with glorot_uniform weights', () => {
    it('gets no exploding-gradient finding', async () => {
      const trained = await trainSpec(fixture('deep_tanh.py'), SUBSET);

      assert.ok(!kinds(trained.findings).includes('explodingGradients'), kinds(trained.findings).join(', '));
    });
  });

  describe('raw pixels into ReLU layers', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(fixture('raw_pixels_relu.py'), SUBSET);
    });

    it('leaves most of the first layer dead', () => {
      // Without this the run would not test the dead-ReLU rule's progress gate.
      const secondHalf = trained.run.samples.slice(Math.floor(trained.run.samples.length / 2));
      const dead = median(secondHalf.map((sample) => sample.layers[0].deadFraction ?? NaN));

      assert.ok(dead >= DEAD_FRACTION, `median dead fraction ${dead}`);
    });

    it('gets no findings while it learns', () => {
      assert.deepEqual(kinds(trained.findings), []);
    });
  });

  describe('raw pixels into ReLU layers at learning rate 0.1', () => {
    it('offers to scale the inputs for NaN', async () => {
      // The file trains at the default learning rate, so this run sets 0.1 on the spec.
      const spec = fixture('raw_pixels_relu.py');
      const optimizer = { ...spec.compile.optimizer, learningRate: 0.1 };
      const trained = await trainSpec({ ...spec, compile: { ...spec.compile, optimizer } }, SUBSET);

      assert.deepEqual(findingOf(trained.findings, 'nonFinite').fixes, ['scaleInputs', 'lowerLearningRate', 'addGradientClipping']);
    });
  });

  describe('ReLU layers whose weights all start at 1', () => {
    let trained: TrainedRun;

    before(async () => {
      trained = await trainSpec(fixture('ones_initializer.py'), SUBSET);
    });

    it('finds dead ReLU units', () => {
      findingOf(trained.findings, 'deadRelu');
    });

    it('names every hidden layer', () => {
      const names = findingOf(trained.findings, 'deadRelu').specIndexes.map((index) => trained.spec.layers[index].name);

      assert.deepEqual(names, ['dense', 'dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5']);
    });

    it('finds no other cause', () => {
      assert.deepEqual(kinds(trained.findings), ['deadRelu']);
    });
  });
});
