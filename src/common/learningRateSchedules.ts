/**
 * The learning rate a `keras.optimizers.schedules` object gives at an optimizer step, as
 * Keras 3.8 computes it (`keras/src/optimizers/schedules/learning_rate_schedule.py`). The
 * optimizer evaluates its schedule at `iterations`, the number of updates applied so far, so
 * the first update uses step 0. The parser reads the rate at step 0 as the initial learning
 * rate, and the trainer evaluates the schedule before every update.
 */
import type { LearningRateScheduleSpec } from './modelSpec';

/** Returns the schedule's learning rate at `step`, or NaN when its config lacks a value it needs. */
export function scheduledLearningRate(schedule: LearningRateScheduleSpec, step: number): number {
  const config = schedule.config;
  const number = (key: string, fallback = NaN): number => (typeof config[key] === 'number' ? (config[key] as number) : fallback);

  switch (schedule.className) {
    case 'ExponentialDecay': {
      const exponent = stepFraction(step, number('decay_steps'), config.staircase === true);
      return number('initial_learning_rate') * number('decay_rate') ** exponent;
    }
    case 'InverseTimeDecay': {
      const fraction = stepFraction(step, number('decay_steps'), config.staircase === true);
      return number('initial_learning_rate') / (1 + number('decay_rate') * fraction);
    }
    case 'PiecewiseConstantDecay':
      return piecewiseConstant(step, numbers(config.boundaries), numbers(config.values));
    case 'CosineDecay':
      return cosineDecay(step, config);
  }
}

function stepFraction(step: number, decaySteps: number, staircase: boolean): number {
  const fraction = step / decaySteps;
  return staircase ? Math.floor(fraction) : fraction;
}

/** `values[0]` while step ≤ boundaries[0], `values[i]` while boundaries[i−1] < step ≤ boundaries[i], then the last value. */
function piecewiseConstant(step: number, boundaries: readonly number[], values: readonly number[]): number {
  if (values.length !== boundaries.length + 1) {
    return NaN;
  }
  const index = boundaries.findIndex((boundary) => step <= boundary);
  return values[index === -1 ? boundaries.length : index];
}

/**
 * Cosine decay from `initial_learning_rate` (or from `warmup_target` after a linear warmup of
 * `warmup_steps`) down to `alpha` times that rate over `decay_steps`, then constant.
 */
function cosineDecay(step: number, config: Readonly<Record<string, unknown>>): number {
  const initial = typeof config.initial_learning_rate === 'number' ? config.initial_learning_rate : NaN;
  const decaySteps = typeof config.decay_steps === 'number' ? config.decay_steps : NaN;
  const alpha = typeof config.alpha === 'number' ? config.alpha : 0;
  const warmupTarget = typeof config.warmup_target === 'number' ? config.warmup_target : undefined;
  const warmupSteps = typeof config.warmup_steps === 'number' ? config.warmup_steps : 0;

  const decayed = (decayStep: number, from: number): number => {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (decayStep / decaySteps)));
    return from * ((1 - alpha) * cosine + alpha);
  };
  if (warmupTarget === undefined) {
    return decayed(Math.min(step, decaySteps), initial);
  }
  const clamped = Math.min(step, decaySteps + warmupSteps);
  if (clamped < warmupSteps) {
    return (warmupTarget - initial) * (clamped / warmupSteps) + initial;
  }
  return decayed(clamped - warmupSteps, warmupTarget);
}

function numbers(value: unknown): number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number') ? value : [];
}
