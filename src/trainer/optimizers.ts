/** Keras optimizers with their Keras 3 defaults and update rules. */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { OptimizerSpec } from '../common/modelSpec';
import type { Tf } from './tensorflow';

/** Keras 3 defaults the spec does not carry. */
export const KERAS_DEFAULTS = {
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: { rho: 0.9, epsilon: 1e-7 },
} as const;

export interface Optimizer {
  /** Updates `variables[i]` with `gradients[i]`; pass the same variables in the same order on every step. */
  applyGradients(variables: readonly tfCore.Variable[], gradients: readonly tfCore.Tensor[]): void;
  /** Frees the optimizer's slot variables. */
  dispose(): void;
}

/**
 * Creates the optimizer `spec` names; the spec already carries Keras's default learning rate.
 *
 * SGD uses tfjs's optimizers. tfjs accumulates v = m·v + g and steps w −= lr·v (with
 * Nesterov, w −= lr·(g + m·v)), which is Keras's v = m·v − lr·g, w += v rewritten, so both
 * give the same weights while the learning rate is constant.
 *
 * RMSprop uses tfjs's optimizer, which like Keras 3 adds epsilon inside the square root:
 * w −= lr·g / √(ms + ε).
 *
 * Adam is implemented here, because tfjs adds epsilon to the bias-corrected √v̂ where Keras
 * adds it to the uncorrected √v. For gradients near 1e-6, the size the first layers of a
 * deep sigmoid network see, tfjs's steps would be several times larger than Keras's.
 */
export function createOptimizer(tf: Tf, spec: OptimizerSpec): Optimizer {
  const optimizer = createUpdateRule(tf, spec);
  return spec.clipnorm !== undefined || spec.clipvalue !== undefined ? new ClippingOptimizer(tf, optimizer, spec) : optimizer;
}

function createUpdateRule(tf: Tf, spec: OptimizerSpec): Optimizer {
  switch (spec.className) {
    case 'SGD':
      return wrapTfjsOptimizer(
        spec.momentum > 0
          ? tf.train.momentum(spec.learningRate, spec.momentum, spec.nesterov)
          : tf.train.sgd(spec.learningRate),
      );
    case 'RMSprop': {
      const { rho, epsilon } = KERAS_DEFAULTS.rmsprop;
      return wrapTfjsOptimizer(tf.train.rmsprop(spec.learningRate, rho, spec.momentum, epsilon, false));
    }
    case 'Adam':
      return new KerasAdam(tf, spec.learningRate);
  }
}

/**
 * Keras 3 gradient clipping, applied to the gradients before the update rule uses them.
 * `clipnorm` rescales each gradient tensor on its own to at most that L2 norm,
 * g·c / max(‖g‖, c); `clipvalue` clips every entry to [−c, c]. Keras 3 allows only one of
 * the two, and the parser enforces that; were both set, `clipnorm` would win as in Keras.
 */
export class ClippingOptimizer implements Optimizer {
  constructor(
    private readonly tf: Tf,
    private readonly inner: Optimizer,
    private readonly clipping: Pick<OptimizerSpec, 'clipnorm' | 'clipvalue'>,
  ) {}

  applyGradients(variables: readonly tfCore.Variable[], gradients: readonly tfCore.Tensor[]): void {
    const tf = this.tf;
    tf.tidy(() => this.inner.applyGradients(variables, gradients.map((gradient) => this.clip(gradient))));
  }

  dispose(): void {
    this.inner.dispose();
  }

  private clip(gradient: tfCore.Tensor): tfCore.Tensor {
    const tf = this.tf;
    const { clipnorm, clipvalue } = this.clipping;
    if (clipnorm !== undefined) {
      const norm = tf.sqrt(tf.sum(tf.square(gradient)));
      return tf.div(tf.mul(gradient, clipnorm), tf.maximum(norm, clipnorm));
    }
    if (clipvalue !== undefined) {
      return tf.clipByValue(gradient, -clipvalue, clipvalue);
    }
    return gradient;
  }
}

function wrapTfjsOptimizer(optimizer: tfCore.Optimizer): Optimizer {
  return {
    applyGradients(variables, gradients) {
      // tfjs keys its slot variables by position in this list, so the order must stay fixed.
      optimizer.applyGradients(variables.map((variable, i) => ({ name: variable.name, tensor: gradients[i] })));
    },
    dispose() {
      optimizer.dispose();
    },
  };
}

/** Keras 3 Adam: w −= α·m / (√v + ε) with α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ). */
export class KerasAdam implements Optimizer {
  private readonly moments: tfCore.Variable[] = [];
  private readonly velocities: tfCore.Variable[] = [];
  private iterations = 0;

  constructor(
    private readonly tf: Tf,
    private readonly learningRate: number,
    private readonly beta1: number = KERAS_DEFAULTS.adam.beta1,
    private readonly beta2: number = KERAS_DEFAULTS.adam.beta2,
    private readonly epsilon: number = KERAS_DEFAULTS.adam.epsilon,
  ) {}

  applyGradients(variables: readonly tfCore.Variable[], gradients: readonly tfCore.Tensor[]): void {
    const tf = this.tf;
    this.iterations += 1;
    const step = this.iterations;
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** step)) / (1 - this.beta1 ** step);

    variables.forEach((variable, i) => {
      if (this.moments[i] === undefined) {
        this.moments[i] = tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
        this.velocities[i] = tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
      }
      const moment = this.moments[i];
      const velocity = this.velocities[i];
      const gradient = gradients[i];

      tf.tidy(() => {
        moment.assign(tf.add(moment, tf.mul(tf.sub(gradient, moment), 1 - this.beta1)));
        velocity.assign(tf.add(velocity, tf.mul(tf.sub(tf.square(gradient), velocity), 1 - this.beta2)));
        const update = tf.div(tf.mul(moment, alpha), tf.add(tf.sqrt(velocity), this.epsilon));
        variable.assign(tf.sub(variable, update));
      });
    });
  }

  dispose(): void {
    this.tf.dispose([...this.moments, ...this.velocities]);
  }
}
