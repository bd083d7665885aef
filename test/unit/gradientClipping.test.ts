import * as assert from 'node:assert/strict';
import type { OptimizerSpec } from '../../src/common/modelSpec';
import { parseModelFile } from '../../src/parser';
import { createOptimizer } from '../../src/trainer/optimizers';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { WASM_DIR } from '../helpers/modelSpecs';

function scriptWithOptimizer(optimizer: string): string {
  return [
    'model = Sequential()',
    'model.add(Flatten(input_shape=(28, 28)))',
    "model.add(Dense(10, activation='softmax'))",
    `model.compile(optimizer=${optimizer}, loss='sparse_categorical_crossentropy')`,
    'model.fit(x_train, y_train)',
    '',
  ].join('\n');
}

function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) <= tolerance, `[${i}] ${value} vs ${expected[i]}`));
}

describe('gradient clipping', () => {
  describe('parser', () => {
    it('reads clipnorm on SGD', () => {
      const spec = parseModelFile(scriptWithOptimizer('SGD(learning_rate=0.1, clipnorm=1.0)'), 'model.py').spec;

      assert.deepEqual(spec?.compile.optimizer, { className: 'SGD', learningRate: 0.1, momentum: 0, nesterov: false, clipnorm: 1 });
    });

    it('reads clipvalue on Adam', () => {
      const spec = parseModelFile(scriptWithOptimizer('Adam(clipvalue=0.5)'), 'model.py').spec;

      assert.equal(spec?.compile.optimizer.clipvalue, 0.5);
      assert.equal(spec?.compile.optimizer.clipnorm, undefined);
    });

    it('treats clipnorm=None as no clipping', () => {
      const spec = parseModelFile(scriptWithOptimizer('RMSprop(clipnorm=None)'), 'model.py').spec;

      assert.ok(spec);
      assert.equal('clipnorm' in spec.compile.optimizer, false);
    });

    it('rejects clipnorm and clipvalue together', () => {
      const result = parseModelFile(scriptWithOptimizer('SGD(clipnorm=1.0, clipvalue=0.5)'), 'model.py');

      assert.equal(result.spec, undefined);
      assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['duplicate-argument']);
    });

    it('rejects clipvalue beside clipnorm=0', () => {
      const result = parseModelFile(scriptWithOptimizer('SGD(clipnorm=0, clipvalue=0.5)'), 'model.py');

      assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['duplicate-argument']);
    });

    it('treats clipnorm=0 as no clipping', () => {
      const spec = parseModelFile(scriptWithOptimizer('SGD(clipnorm=0)'), 'model.py').spec;

      assert.ok(spec);
      assert.equal('clipnorm' in spec.compile.optimizer, false);
    });

    it('rejects a negative clipnorm', () => {
      const result = parseModelFile(scriptWithOptimizer('SGD(clipnorm=-1)'), 'model.py');

      assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['invalid-value']);
    });
  });

  describe('trainer', () => {
    let tf: Tf;

    before(async () => {
      ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
    });

    /** Applies one step with plain SGD at learning rate 1, so each weight moves by −(clipped gradient). */
    function step(clipping: Pick<OptimizerSpec, 'clipnorm' | 'clipvalue'>, gradients: number[][]): number[][] {
      const optimizer = createOptimizer(tf, { className: 'SGD', learningRate: 1, momentum: 0, nesterov: false, ...clipping });
      const variables = gradients.map((gradient) => tf.variable(tf.zeros([gradient.length])));
      const tensors = gradients.map((gradient) => tf.tensor1d(gradient));
      const tensorsBefore = tf.memory().numTensors;
      try {
        optimizer.applyGradients(variables, tensors);
        assert.equal(tf.memory().numTensors, tensorsBefore, 'clipping leaves no tensors behind');
        return variables.map((variable) => [...(variable.dataSync() as Float32Array)].map((value) => -value));
      } finally {
        optimizer.dispose();
        tf.dispose([...variables, ...tensors]);
      }
    }

    it('clipnorm rescales each gradient tensor on its own', () => {
      // Norms 5 and 0.5: only the first is above clipnorm=1.
      const [first, second] = step({ clipnorm: 1 }, [[3, 4], [0.3, 0.4]]);

      assertAllClose(first, [0.6, 0.8]);
      assertAllClose(second, [0.3, 0.4]);
    });

    it('clipvalue clips every entry', () => {
      const [clipped] = step({ clipvalue: 0.5 }, [[1, -2, 0.1]]);

      assertAllClose(clipped, [0.5, -0.5, 0.1]);
    });

    it('no clipping leaves gradients unchanged', () => {
      const [unclipped] = step({}, [[3, -4]]);

      assertAllClose(unclipped, [3, -4]);
    });
  });
});
