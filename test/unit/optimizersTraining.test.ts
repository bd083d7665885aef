/**
 * The six Keras optimizers and the learning-rate schedules, step by step against the update
 * rules of Keras 3.8 (`keras/src/optimizers/*.py`) computed by hand in float64 here, then in
 * short real runs on MNIST from a parsed file.
 */
import * as assert from 'node:assert/strict';
import { scheduledLearningRate } from '../../src/common/learningRateSchedules';
import type { LearningRateScheduleSpec, OptimizerSpec } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { parseModelFile } from '../../src/parser';
import { TrainerError } from '../../src/trainer/errors';
import { createOptimizer } from '../../src/trainer/optimizers';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { messagesOfType, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

const START = [0.5, -1.5, 2];
/** Gradients of three steps, with a sign change and one tiny entry, the cases where the rules differ. */
const GRADIENTS = [
  [0.3, -0.2, 1e-6],
  [-0.1, 0.4, 2e-6],
  [0.25, 0.05, -1e-6],
];

describe('optimizers', () => {
  let tf: Tf;

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  /** Applies GRADIENTS one step after another and returns the variable after each step. */
  function trajectory(spec: Partial<OptimizerSpec> & Pick<OptimizerSpec, 'className'>): number[][] {
    const optimizer = createOptimizer(tf, { learningRate: 0.01, momentum: 0, nesterov: false, ...spec });
    const variable = tf.variable(tf.tensor1d(START));
    const result: number[][] = [];
    try {
      for (const gradient of GRADIENTS) {
        const tensor = tf.tensor1d(gradient);
        optimizer.applyGradients([variable], [tensor]);
        tensor.dispose();
        result.push([...(variable.dataSync() as Float32Array)]);
      }
    } finally {
      optimizer.dispose();
      variable.dispose();
    }
    return result;
  }

  /** Runs a scalar update rule over every entry and returns the values after each step. */
  function expected(step: (w: number, g: number, state: Record<string, number>, t: number) => number, initial: Record<string, number> = {}): number[][] {
    const weights = [...START];
    const states = START.map(() => ({ ...initial }));
    return GRADIENTS.map((gradient, t) => {
      gradient.forEach((g, i) => {
        weights[i] = step(weights[i], g, states[i], t + 1);
      });
      return [...weights];
    });
  }

  function assertTrajectory(actual: number[][], reference: number[][]): void {
    actual.forEach((row, step) =>
      row.forEach((value, i) => {
        const want = reference[step][i];
        const tolerance = 2e-6 * Math.max(1, Math.abs(want));
        assert.ok(Math.abs(value - want) <= tolerance, `step ${step + 1}, entry ${i}: expected ${want}, got ${value}`);
      }),
    );
  }

  it('SGD with momentum follows m = μm − lr·g, w += m', () => {
    const lr = 0.1;
    const actual = trajectory({ className: 'SGD', learningRate: lr, momentum: 0.9 });

    const reference = expected((w, g, s) => {
      s.m = 0.9 * (s.m ?? 0) - lr * g;
      return w + s.m;
    });
    assertTrajectory(actual, reference);
  });

  it('SGD with Nesterov adds μm − lr·g', () => {
    const lr = 0.1;
    const actual = trajectory({ className: 'SGD', learningRate: lr, momentum: 0.5, nesterov: true });

    const reference = expected((w, g, s) => {
      s.m = 0.5 * (s.m ?? 0) - lr * g;
      return w + 0.5 * s.m - lr * g;
    });
    assertTrajectory(actual, reference);
  });

  it('Adam with AMSGrad divides by the running maximum of v', () => {
    const lr = 0.01;
    const [beta1, beta2, epsilon] = [0.8, 0.99, 1e-7];
    const actual = trajectory({ className: 'Adam', learningRate: lr, options: { beta_1: beta1, beta_2: beta2, amsgrad: true } });

    const reference = expected((w, g, s, t) => {
      s.m = (s.m ?? 0) + (g - (s.m ?? 0)) * (1 - beta1);
      s.v = (s.v ?? 0) + (g * g - (s.v ?? 0)) * (1 - beta2);
      s.vHat = Math.max(s.vHat ?? 0, s.v);
      const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      return w - (alpha * s.m) / (Math.sqrt(s.vHat) + epsilon);
    });
    assertTrajectory(actual, reference);
  });

  it('RMSprop centered with momentum', () => {
    const lr = 0.01;
    const [rho, momentum, epsilon] = [0.8, 0.5, 1e-6];
    const actual = trajectory({ className: 'RMSprop', learningRate: lr, momentum, options: { rho, epsilon, centered: true } });

    const reference = expected((w, g, s) => {
      s.v = rho * (s.v ?? 0) + (1 - rho) * g * g;
      s.a = rho * (s.a ?? 0) + (1 - rho) * g;
      const increment = (lr * g) / Math.sqrt(s.v - s.a * s.a + epsilon);
      s.m = momentum * (s.m ?? 0) + increment;
      return w - s.m;
    });
    assertTrajectory(actual, reference);
  });

  it('RMSprop defaults to ρ 0.9 and ε 1e-7 inside the square root', () => {
    const lr = 0.001;
    const actual = trajectory({ className: 'RMSprop', learningRate: lr });

    const reference = expected((w, g, s) => {
      s.v = 0.9 * (s.v ?? 0) + 0.1 * g * g;
      return w - (lr * g) / Math.sqrt(s.v + 1e-7);
    });
    assertTrajectory(actual, reference);
  });

  it('Adagrad starts its accumulator at 0.1', () => {
    const lr = 0.05;
    const actual = trajectory({ className: 'Adagrad', learningRate: lr });

    const reference = expected(
      (w, g, s) => {
        s.a += g * g;
        return w - (lr * g) / Math.sqrt(s.a + 1e-7);
      },
      { a: 0.1 },
    );
    assertTrajectory(actual, reference);
  });

  it('Adadelta scales its step by the learning rate', () => {
    const lr = 1.0;
    const [rho, epsilon] = [0.95, 1e-7];
    const actual = trajectory({ className: 'Adadelta', learningRate: lr });

    const reference = expected(
      (w, g, s) => {
        s.grad = rho * s.grad + (1 - rho) * g * g;
        const delta = -(Math.sqrt(s.delta + epsilon) * g) / Math.sqrt(s.grad + epsilon);
        s.delta = rho * s.delta + (1 - rho) * delta * delta;
        return w + lr * delta;
      },
      { grad: 0, delta: 0 },
    );
    assertTrajectory(actual, reference);
  });

  it('Nadam follows the momentum schedule μt = β1(1 − 0.5·0.96^t)', () => {
    const lr = 0.01;
    const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-7];
    const actual = trajectory({ className: 'Nadam', learningRate: lr });

    const mu = (t: number): number => beta1 * (1 - 0.5 * 0.96 ** t);
    // The product of the schedule advances once per step, before any variable is updated.
    const products = GRADIENTS.map((_, index) => Array.from({ length: index + 1 }, (__, k) => mu(k + 1)).reduce((a, b) => a * b, 1));
    const reference = expected((w, g, s, t) => {
      const product = products[t - 1];
      s.m = (s.m ?? 0) + (g - (s.m ?? 0)) * (1 - beta1);
      s.v = (s.v ?? 0) + (g * g - (s.v ?? 0)) * (1 - beta2);
      const mHat = (mu(t + 1) * s.m) / (1 - product * mu(t + 1)) + ((1 - mu(t)) * g) / (1 - product);
      const vHat = s.v / (1 - beta2 ** t);
      return w - (lr * mHat) / (Math.sqrt(vHat) + epsilon);
    });
    assertTrajectory(actual, reference);
  });

  it('clips by norm before the update rule', () => {
    const actual = trajectory({ className: 'Adagrad', learningRate: 0.1, clipnorm: 0.1 });

    const reference: number[][] = [];
    const weights = [...START];
    const accumulators = START.map(() => 0.1);
    for (const gradient of GRADIENTS) {
      const norm = Math.sqrt(gradient.reduce((sum, g) => sum + g * g, 0));
      const clipped = gradient.map((g) => (g * 0.1) / Math.max(norm, 0.1));
      clipped.forEach((g, i) => {
        accumulators[i] += g * g;
        weights[i] -= (0.1 * g) / Math.sqrt(accumulators[i] + 1e-7);
      });
      reference.push([...weights]);
    }
    assertTrajectory(actual, reference);
  });

  it('SGD follows an ExponentialDecay schedule step by step', () => {
    const schedule: LearningRateScheduleSpec = { className: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 2, decay_rate: 0.5, staircase: false } };
    const actual = trajectory({ className: 'SGD', learningRate: 0.1, schedule });

    // The first update uses step 0, the second step 1: 0.1, 0.1·0.5^0.5, 0.1·0.5.
    const reference = expected((w, g, _, t) => w - 0.1 * 0.5 ** ((t - 1) / 2) * g);
    assertTrajectory(actual, reference);
  });

  it('reports the scheduled rate of the next update', () => {
    const schedule: LearningRateScheduleSpec = { className: 'InverseTimeDecay', config: { initial_learning_rate: 0.1, decay_steps: 1, decay_rate: 1, staircase: false } };
    const optimizer = createOptimizer(tf, { className: 'SGD', learningRate: 0.1, momentum: 0, nesterov: false, schedule });
    const variable = tf.variable(tf.tensor1d([1]));
    const gradient = tf.tensor1d([1]);
    try {
      const rates = [optimizer.learningRate];
      optimizer.applyGradients([variable], [gradient]);
      rates.push(optimizer.learningRate);
      optimizer.applyGradients([variable], [gradient]);
      rates.push(optimizer.learningRate);

      assert.deepEqual(rates, [0.1, 0.05, 0.1 / 3]);
    } finally {
      optimizer.dispose();
      tf.dispose([variable, gradient]);
    }
  });

  it('refuses a callback rate over a schedule', () => {
    const schedule: LearningRateScheduleSpec = { className: 'CosineDecay', config: { initial_learning_rate: 0.1, decay_steps: 10 } };
    const optimizer = createOptimizer(tf, { className: 'Adam', learningRate: 0.1, momentum: 0, nesterov: false, schedule });
    try {
      assert.throws(() => optimizer.setLearningRate(0.01), (error: unknown) => error instanceof TrainerError && /CosineDecay/.test(error.message));
    } finally {
      optimizer.dispose();
    }
  });

  it('stores a set learning rate as float32', () => {
    const optimizer = createOptimizer(tf, { className: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false });
    try {
      optimizer.setLearningRate(0.1);

      assert.equal(optimizer.learningRate, Math.fround(0.1));
    } finally {
      optimizer.dispose();
    }
  });
});

describe('learning-rate schedules', () => {
  const rate = (className: LearningRateScheduleSpec['className'], config: Record<string, unknown>, step: number): number =>
    scheduledLearningRate({ className, config }, step);

  it('ExponentialDecay with staircase decays in whole steps', () => {
    const config = { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true };

    assert.deepEqual([0, 9, 10, 25].map((step) => rate('ExponentialDecay', config, step)), [0.1, 0.1, 0.05, 0.025]);
  });

  it('InverseTimeDecay divides by 1 + rate·step/steps', () => {
    assert.equal(rate('InverseTimeDecay', { initial_learning_rate: 0.1, decay_steps: 4, decay_rate: 0.5 }, 8), 0.05);
  });

  it('PiecewiseConstantDecay switches after each boundary', () => {
    const config = { boundaries: [100, 200], values: [1, 0.5, 0.1] };

    assert.deepEqual([0, 100, 101, 200, 201].map((step) => rate('PiecewiseConstantDecay', config, step)), [1, 1, 0.5, 0.5, 0.1]);
  });

  it('CosineDecay warms up linearly, then decays to alpha', () => {
    const config = { initial_learning_rate: 0, decay_steps: 100, alpha: 0.1, warmup_target: 0.2, warmup_steps: 10 };

    assert.equal(rate('CosineDecay', config, 5), 0.1);
    assert.equal(rate('CosineDecay', config, 10), 0.2);
    assertClose(rate('CosineDecay', config, 60), 0.2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)) + 0.1));
    assertClose(rate('CosineDecay', config, 500), 0.2 * 0.1);
  });
});

describe('optimizers in training', function () {
  /**
   * Trains a softmax regression on 320 MNIST examples for 3 epochs with the optimizer
   * `written` as compile() receives it, and returns the training loss of each epoch.
   */
  async function epochLosses(written: string): Promise<number[]> {
    const text = [
      'from tensorflow import keras',
      'model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)), keras.layers.Dense(10, activation="softmax")])',
      `model.compile(optimizer=${written}, loss="sparse_categorical_crossentropy", metrics=["accuracy"])`,
      'model.fit(x_train, y_train, epochs=3)',
    ].join('\n');
    const result = parseModelFile(text, 'optimizer.py');
    assert.ok(result.spec, result.diagnostics.map((diagnostic) => diagnostic.message).join('\n'));
    const messages: TrainerToHost[] = [];
    await train(result.spec, trainOptions({ trainLimit: 320, testLimit: 100, samplesPerEpoch: 2 }), (message) => messages.push(message), () => false);
    return messagesOfType(messages, 'epoch').map((message) => message.logs.loss);
  }

  for (const written of [
    'keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)',
    "'adam'",
    "keras.optimizers.RMSprop(centered=True)",
    'keras.optimizers.Adagrad(learning_rate=0.1)',
    'keras.optimizers.Adadelta(learning_rate=1.0)',
    "'nadam'",
  ]) {
    it(`${written} lowers the loss`, async () => {
      const losses = await epochLosses(written);

      assert.equal(losses.length, 3);
      assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
      assert.ok(losses[2] < losses[0], `loss rose from ${losses[0]} to ${losses[2]}`);
    });
  }
});

function assertClose(actual: number, expected: number, relative = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.max(Math.abs(expected), 1e-12), `expected ${expected}, got ${actual}`);
}
