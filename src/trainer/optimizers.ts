/**
 * Keras optimizers with their Keras 3 defaults and update rules, implemented here as
 * `keras/src/optimizers/*.py` (Keras 3.8) computes them, so that every step matches Keras:
 * tfjs's own optimizers place epsilon differently (Adam) or lack some (Nadam, centered
 * RMSprop, AMSGrad). The learning rate is a constant that callbacks may change, or a
 * `keras.optimizers.schedules` object evaluated at the number of updates applied so far.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import { scheduledLearningRate } from '../common/learningRateSchedules';
import type { OptimizerSpec } from '../common/modelSpec';
import { TrainerError } from './errors';
import type { Tf } from './tensorflow';

/** Keras 3 defaults of the arguments the spec's `options` may leave out. */
export const KERAS_DEFAULTS = {
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: { rho: 0.9, epsilon: 1e-7 },
  adagrad: { initialAccumulatorValue: 0.1, epsilon: 1e-7 },
  adadelta: { rho: 0.95, epsilon: 1e-7 },
  nadam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
} as const;

export interface Optimizer {
  /** Updates `variables[i]` with `gradients[i]`; pass the same variables in the same order on every step. */
  applyGradients(variables: readonly tfCore.Variable[], gradients: readonly tfCore.Tensor[]): void;
  /** The learning rate the next update uses; undefined for an optimizer that does not report one. */
  readonly learningRate?: number;
  /** Frees the optimizer's slot variables. */
  dispose(): void;
}

/** An optimizer whose learning rate callbacks can read and set, as every Keras optimizer's. */
export interface AdjustableOptimizer extends Optimizer {
  readonly learningRate: number;
  /**
   * Sets a constant learning rate, as assigning `optimizer.learning_rate` in Keras does.
   * Keras stores it as float32, and so does this.
   * @throws TrainerError when the learning rate is a schedule, which Keras does not let a callback change.
   */
  setLearningRate(learningRate: number): void;
}

/** Creates the optimizer `spec` names, with gradient clipping when the spec sets it. */
export function createOptimizer(tf: Tf, spec: OptimizerSpec): AdjustableOptimizer {
  const optimizer = createUpdateRule(tf, spec);
  return spec.clipnorm !== undefined || spec.clipvalue !== undefined ? new ClippingOptimizer(tf, optimizer, spec) : optimizer;
}

function createUpdateRule(tf: Tf, spec: OptimizerSpec): KerasOptimizer {
  const option = (name: string, fallback: number): number => {
    const value = spec.options?.[name];
    return typeof value === 'number' ? value : fallback;
  };
  const flag = (name: string): boolean => spec.options?.[name] === true;

  switch (spec.className) {
    case 'SGD':
      return new KerasSgd(tf, spec, spec.momentum, spec.nesterov);
    case 'Adam': {
      const defaults = KERAS_DEFAULTS.adam;
      return new KerasAdam(tf, spec, option('beta_1', defaults.beta1), option('beta_2', defaults.beta2), option('epsilon', defaults.epsilon), flag('amsgrad'));
    }
    case 'RMSprop': {
      const defaults = KERAS_DEFAULTS.rmsprop;
      return new KerasRmsprop(tf, spec, option('rho', defaults.rho), spec.momentum, option('epsilon', defaults.epsilon), flag('centered'));
    }
    case 'Adagrad': {
      const defaults = KERAS_DEFAULTS.adagrad;
      return new KerasAdagrad(tf, spec, option('initial_accumulator_value', defaults.initialAccumulatorValue), option('epsilon', defaults.epsilon));
    }
    case 'Adadelta': {
      const defaults = KERAS_DEFAULTS.adadelta;
      return new KerasAdadelta(tf, spec, option('rho', defaults.rho), option('epsilon', defaults.epsilon));
    }
    case 'Nadam': {
      const defaults = KERAS_DEFAULTS.nadam;
      return new KerasNadam(tf, spec, option('beta_1', defaults.beta1), option('beta_2', defaults.beta2), option('epsilon', defaults.epsilon));
    }
  }
}

/**
 * Keras 3 gradient clipping, applied to the gradients before the update rule uses them.
 * `clipnorm` rescales each gradient tensor on its own to at most that L2 norm,
 * g·c / max(‖g‖, c); `clipvalue` clips every entry to [−c, c]. Keras 3 allows only one of
 * the two, and the parser enforces that; were both set, `clipnorm` would win as in Keras.
 */
export class ClippingOptimizer implements AdjustableOptimizer {
  constructor(
    private readonly tf: Tf,
    private readonly inner: AdjustableOptimizer,
    private readonly clipping: Pick<OptimizerSpec, 'clipnorm' | 'clipvalue'>,
  ) {}

  get learningRate(): number {
    return this.inner.learningRate;
  }

  setLearningRate(learningRate: number): void {
    this.inner.setLearningRate(learningRate);
  }

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

/**
 * The parts every Keras 3 optimizer shares (`keras/src/optimizers/base_optimizer.py`): the
 * iteration count, the learning rate (constant or scheduled) and slot variables created
 * lazily for each model variable, keyed by its position in the variable list.
 */
abstract class KerasOptimizer implements AdjustableOptimizer {
  /** Updates applied so far: Keras's `optimizer.iterations`. */
  protected iterations = 0;
  private constantRate: number;
  private readonly slots = new Map<string, tfCore.Variable[]>();

  constructor(
    protected readonly tf: Tf,
    private readonly spec: OptimizerSpec,
  ) {
    this.constantRate = Math.fround(spec.learningRate);
  }

  get learningRate(): number {
    return this.spec.schedule ? scheduledLearningRate(this.spec.schedule, this.iterations) : this.constantRate;
  }

  setLearningRate(learningRate: number): void {
    if (this.spec.schedule) {
      throw new TrainerError(
        l10n.t('A callback tried to change the learning rate, but the optimizer\'s learning rate is a {0} schedule, which Keras does not allow either (TypeError). Pass a fixed learning_rate to use this callback.', this.spec.schedule.className),
      );
    }
    this.constantRate = Math.fround(learningRate);
  }

  applyGradients(variables: readonly tfCore.Variable[], gradients: readonly tfCore.Tensor[]): void {
    const learningRate = this.learningRate;
    this.beforeUpdates();
    variables.forEach((variable, index) => {
      this.tf.tidy(() => this.updateStep(variable, gradients[index], index, learningRate));
    });
    this.iterations += 1;
  }

  dispose(): void {
    for (const variables of this.slots.values()) {
      this.tf.dispose(variables);
    }
    this.slots.clear();
  }

  /** Runs once per update before the variables are updated, as Nadam's `_backend_update_step` does. */
  protected beforeUpdates(): void {}

  /** Applies one update to one variable; runs inside `tf.tidy`. */
  protected abstract updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void;

  /** Returns the slot variable `name` of variable `index`, created filled with `initial` on first use. */
  protected slot(name: string, index: number, like: tfCore.Variable, initial = 0): tfCore.Variable {
    let variables = this.slots.get(name);
    if (!variables) {
      variables = [];
      this.slots.set(name, variables);
    }
    if (!variables[index]) {
      variables[index] = this.tf.tidy(() => this.tf.variable(this.tf.fill(like.shape, initial), false));
    }
    return variables[index];
  }
}

/**
 * Keras 3 SGD. Without momentum w −= lr·g; with momentum m = momentum·m − lr·g, then
 * w += m, or with Nesterov w += momentum·m − lr·g.
 */
class KerasSgd extends KerasOptimizer {
  constructor(
    tf: Tf,
    spec: OptimizerSpec,
    private readonly momentum: number,
    private readonly nesterov: boolean,
  ) {
    super(tf, spec);
  }

  protected override updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void {
    const tf = this.tf;
    if (this.momentum === 0) {
      variable.assign(tf.sub(variable, tf.mul(gradient, learningRate)));
      return;
    }
    const m = this.slot('momentum', index, variable);
    m.assign(tf.sub(tf.mul(m, this.momentum), tf.mul(gradient, learningRate)));
    const step = this.nesterov ? tf.sub(tf.mul(m, this.momentum), tf.mul(gradient, learningRate)) : m;
    variable.assign(tf.add(variable, step));
  }
}

/**
 * Keras 3 Adam: m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂), then
 * w −= α·m / (√v + ε) with α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ) and t = iterations + 1. AMSGrad
 * divides by the running maximum of v instead. Keras adds ε to the uncorrected √v, where
 * tfjs adds it to the corrected one: for gradients near 1e-6, the size the first layers of a
 * deep sigmoid network see, tfjs's steps would be several times larger.
 */
export class KerasAdam extends KerasOptimizer {
  constructor(
    tf: Tf,
    spec: OptimizerSpec,
    private readonly beta1: number = KERAS_DEFAULTS.adam.beta1,
    private readonly beta2: number = KERAS_DEFAULTS.adam.beta2,
    private readonly epsilon: number = KERAS_DEFAULTS.adam.epsilon,
    private readonly amsgrad = false,
  ) {
    super(tf, spec);
  }

  protected override updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void {
    const tf = this.tf;
    const step = this.iterations + 1;
    const alpha = (learningRate * Math.sqrt(1 - this.beta2 ** step)) / (1 - this.beta1 ** step);
    const m = this.slot('momentum', index, variable);
    const v = this.slot('velocity', index, variable);

    m.assign(tf.add(m, tf.mul(tf.sub(gradient, m), 1 - this.beta1)));
    v.assign(tf.add(v, tf.mul(tf.sub(tf.square(gradient), v), 1 - this.beta2)));
    let denominatorSource: tfCore.Tensor = v;
    if (this.amsgrad) {
      const vHat = this.slot('velocity_hat', index, variable);
      vHat.assign(tf.maximum(vHat, v));
      denominatorSource = vHat;
    }
    variable.assign(tf.sub(variable, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(denominatorSource), this.epsilon))));
  }
}

/**
 * Keras 3 RMSprop: v = ρ·v + (1 − ρ)·g², and with `centered` also a = ρ·a + (1 − ρ)·g.
 * The increment lr·g / √(v − a² + ε) (or √(v + ε)) is subtracted, or with momentum
 * accumulated first: m = momentum·m + increment, w −= m.
 */
class KerasRmsprop extends KerasOptimizer {
  constructor(
    tf: Tf,
    spec: OptimizerSpec,
    private readonly rho: number,
    private readonly momentum: number,
    private readonly epsilon: number,
    private readonly centered: boolean,
  ) {
    super(tf, spec);
  }

  protected override updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void {
    const tf = this.tf;
    const rho = this.rho;
    const velocity = this.slot('velocity', index, variable);
    velocity.assign(tf.add(tf.mul(velocity, rho), tf.mul(tf.square(gradient), 1 - rho)));

    let denominator: tfCore.Tensor;
    if (this.centered) {
      const average = this.slot('average_gradient', index, variable);
      average.assign(tf.add(tf.mul(average, rho), tf.mul(gradient, 1 - rho)));
      denominator = tf.add(tf.sub(velocity, tf.square(average)), this.epsilon);
    } else {
      denominator = tf.add(velocity, this.epsilon);
    }
    const increment = tf.div(tf.mul(gradient, learningRate), tf.sqrt(denominator));

    if (this.momentum > 0) {
      const m = this.slot('momentum', index, variable);
      m.assign(tf.add(tf.mul(m, this.momentum), increment));
      variable.assign(tf.sub(variable, m));
    } else {
      variable.assign(tf.sub(variable, increment));
    }
  }
}

/** Keras 3 Adagrad: a += g² (a starts at `initial_accumulator_value`), w −= lr·g / √(a + ε). */
class KerasAdagrad extends KerasOptimizer {
  constructor(
    tf: Tf,
    spec: OptimizerSpec,
    private readonly initialAccumulatorValue: number,
    private readonly epsilon: number,
  ) {
    super(tf, spec);
  }

  protected override updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void {
    const tf = this.tf;
    const accumulator = this.slot('accumulator', index, variable, this.initialAccumulatorValue);
    accumulator.assign(tf.add(accumulator, tf.square(gradient)));
    variable.assign(tf.sub(variable, tf.div(tf.mul(gradient, learningRate), tf.sqrt(tf.add(accumulator, this.epsilon)))));
  }
}

/**
 * Keras 3 Adadelta: G = ρ·G + (1 − ρ)·g², Δ = −√(D + ε)·g / √(G + ε), D = ρ·D + (1 − ρ)·Δ²,
 * then w += lr·Δ. Keras 3 keeps the learning rate (default 0.001), which the original
 * Adadelta has not.
 */
class KerasAdadelta extends KerasOptimizer {
  constructor(
    tf: Tf,
    spec: OptimizerSpec,
    private readonly rho: number,
    private readonly epsilon: number,
  ) {
    super(tf, spec);
  }

  protected override updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void {
    const tf = this.tf;
    const rho = this.rho;
    const accumulatedGradient = this.slot('accumulated_grad', index, variable);
    const accumulatedDelta = this.slot('accumulated_delta_var', index, variable);
    const rms = (x: tfCore.Tensor): tfCore.Tensor => tf.sqrt(tf.add(x, this.epsilon));

    accumulatedGradient.assign(tf.add(tf.mul(accumulatedGradient, rho), tf.mul(tf.square(gradient), 1 - rho)));
    const delta = tf.neg(tf.div(tf.mul(rms(accumulatedDelta), gradient), rms(accumulatedGradient)));
    accumulatedDelta.assign(tf.add(tf.mul(accumulatedDelta, rho), tf.mul(tf.square(delta), 1 - rho)));
    variable.assign(tf.add(variable, tf.mul(delta, learningRate)));
  }
}

/**
 * Keras 3 Nadam, Adam with Nesterov momentum and Dozat's momentum schedule
 * μₜ = β₁(1 − 0.5·0.96ᵗ). Before the variables are updated, the product of the schedule is
 * advanced: Π = Π·μₜ. Each variable then gets m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂),
 * m̂ = μₜ₊₁·m / (1 − Π·μₜ₊₁) + (1 − μₜ)·g / (1 − Π), v̂ = v / (1 − β₂ᵗ), w −= lr·m̂ / (√v̂ + ε),
 * with t = iterations + 1.
 */
class KerasNadam extends KerasOptimizer {
  /** Keras's `_u_product`, a float32 variable that starts at 1. */
  private momentumProduct = 1;

  constructor(
    tf: Tf,
    spec: OptimizerSpec,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {
    super(tf, spec);
  }

  protected override beforeUpdates(): void {
    this.momentumProduct = Math.fround(this.momentumProduct * this.momentumAt(this.iterations + 1));
  }

  protected override updateStep(variable: tfCore.Variable, gradient: tfCore.Tensor, index: number, learningRate: number): void {
    const tf = this.tf;
    const step = this.iterations + 1;
    const momentum = this.momentumAt(step);
    const nextMomentum = this.momentumAt(step + 1);
    const product = this.momentumProduct;
    const nextProduct = product * nextMomentum;
    const m = this.slot('momentum', index, variable);
    const v = this.slot('velocity', index, variable);

    m.assign(tf.add(m, tf.mul(tf.sub(gradient, m), 1 - this.beta1)));
    v.assign(tf.add(v, tf.mul(tf.sub(tf.square(gradient), v), 1 - this.beta2)));
    const mHat = tf.add(tf.div(tf.mul(m, nextMomentum), 1 - nextProduct), tf.div(tf.mul(gradient, 1 - momentum), 1 - product));
    const vHat = tf.div(v, 1 - this.beta2 ** step);
    variable.assign(tf.sub(variable, tf.div(tf.mul(mHat, learningRate), tf.add(tf.sqrt(vHat), this.epsilon))));
  }

  private momentumAt(step: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** step);
  }
}
