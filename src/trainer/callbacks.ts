/**
 * The Keras callbacks that change training, run at the points of the epoch loop where Keras
 * runs them (`keras/src/callbacks/*.py`, Keras 3.8). LearningRateScheduler sets the learning
 * rate when an epoch begins. EarlyStopping and ReduceLROnPlateau read the epoch's logs when it
 * ends, in the order the file lists them, and EarlyStopping restores the best weights when
 * training ends.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { CallbackSpec } from '../common/modelSpec';
import type { EpochLogs } from '../common/statistics';
import type { BuiltModel } from './model';
import type { AdjustableOptimizer } from './optimizers';
import type { Tf } from './tensorflow';

/** Receives a localized note about what a callback did. */
export type CallbackLog = (message: string) => void;

/** The state of an EarlyStopping callback when it ended training. */
export interface EarlyStop {
  /** 0-based epoch after which training stopped. */
  readonly epoch: number;
  readonly monitor: string;
  /** 0-based epoch with the best monitored value. */
  readonly bestEpoch: number;
  readonly best: number;
  readonly restoredWeights: boolean;
}

interface EpochCallback {
  onEpochBegin?(epoch: number): void;
  /** Returns true to stop training after this epoch. */
  onEpochEnd?(epoch: number, logs: EpochLogs): boolean;
  onTrainEnd?(): void;
  dispose?(): void;
}

/** Runs a model's callbacks in the order the file lists them. */
export class CallbackRunner {
  private readonly callbacks: EpochCallback[];
  private readonly earlyStopping: EarlyStopping[] = [];

  constructor(tf: Tf, specs: readonly CallbackSpec[], optimizer: AdjustableOptimizer, model: BuiltModel, log: CallbackLog) {
    this.callbacks = specs.map((spec) => {
      switch (spec.className) {
        case 'EarlyStopping': {
          const callback = new EarlyStopping(tf, spec.config, model);
          this.earlyStopping.push(callback);
          return callback;
        }
        case 'ReduceLROnPlateau':
          return new ReduceLearningRateOnPlateau(spec.config, optimizer, log);
        case 'LearningRateScheduler':
          return new LearningRateScheduler(spec.config.rates, optimizer);
      }
    });
  }

  onEpochBegin(epoch: number): void {
    this.callbacks.forEach((callback) => callback.onEpochBegin?.(epoch));
  }

  /** Runs every callback's epoch end and returns true when one of them stops training. */
  onEpochEnd(epoch: number, logs: EpochLogs): boolean {
    let stop = false;
    for (const callback of this.callbacks) {
      stop = (callback.onEpochEnd?.(epoch, logs) ?? false) || stop;
    }
    return stop;
  }

  onTrainEnd(): void {
    this.callbacks.forEach((callback) => callback.onTrainEnd?.());
  }

  /** The state of the EarlyStopping callback that ended training; undefined when none did. */
  get earlyStop(): EarlyStop | undefined {
    return this.earlyStopping.map((callback) => callback.stop).find((stop) => stop !== undefined);
  }

  dispose(): void {
    this.callbacks.forEach((callback) => callback.dispose?.());
  }
}

/** Returns the logged value a callback monitors: the loss or the accuracy, of training or validation. */
function monitoredValue(monitor: string, logs: EpochLogs): number | undefined {
  const validation = monitor.startsWith('val_');
  const name = validation ? monitor.slice('val_'.length) : monitor;
  if (name === 'loss') {
    return validation ? logs.valLoss : logs.loss;
  }
  const value = validation ? logs.valAccuracy : logs.accuracy;
  // The parser lets callbacks monitor only the compiled accuracy metric; NaN means there is none.
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

function numberOf(config: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const value = config[key];
  return typeof value === 'number' ? value : fallback;
}

/**
 * Keras 3 EarlyStopping. An epoch improves when its value beats the best by more than
 * `min_delta`. Training stops after `patience` epochs without improvement, but never after the
 * first epoch. With `baseline`, only a value that also beats the baseline resets the count.
 * Epochs before `start_from_epoch` are not looked at.
 */
class EarlyStopping implements EpochCallback {
  private readonly monitor: string;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly maximize: boolean;
  private readonly baseline?: number;
  private readonly restoreBestWeights: boolean;
  private readonly startFromEpoch: number;
  private wait = 0;
  private best: number;
  private bestEpoch = 0;
  private bestWeights?: tfCore.Tensor[];
  stop?: EarlyStop;

  constructor(
    private readonly tf: Tf,
    config: Readonly<Record<string, unknown>>,
    private readonly model: BuiltModel,
  ) {
    this.monitor = String(config.monitor ?? 'val_loss');
    this.patience = numberOf(config, 'patience', 0);
    this.minDelta = Math.abs(numberOf(config, 'min_delta', 0));
    this.maximize = config.mode === 'max';
    this.baseline = typeof config.baseline === 'number' ? config.baseline : undefined;
    this.restoreBestWeights = config.restore_best_weights === true;
    this.startFromEpoch = numberOf(config, 'start_from_epoch', 0);
    this.best = this.maximize ? -Infinity : Infinity;
  }

  onEpochEnd(epoch: number, logs: EpochLogs): boolean {
    const current = monitoredValue(this.monitor, logs);
    if (current === undefined || epoch < this.startFromEpoch) {
      return false;
    }
    if (this.restoreBestWeights && !this.bestWeights) {
      this.bestWeights = this.copyWeights();
      this.bestEpoch = epoch;
    }

    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) {
        this.tf.dispose(this.bestWeights ?? []);
        this.bestWeights = this.copyWeights();
      }
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) {
        this.wait = 0;
      }
      return false;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stop = { epoch, monitor: this.monitor, bestEpoch: this.bestEpoch, best: this.best, restoredWeights: this.restoreBestWeights };
      return true;
    }
    return false;
  }

  /** Keras restores the best weights whenever it kept some, whether or not training stopped early. */
  onTrainEnd(): void {
    if (!this.restoreBestWeights || !this.bestWeights) {
      return;
    }
    const weights = this.bestWeights;
    this.model.variables.forEach((variable, index) => variable.assign(weights[index]));
  }

  dispose(): void {
    this.tf.dispose(this.bestWeights ?? []);
    this.bestWeights = undefined;
  }

  private isImprovement(value: number, reference: number): boolean {
    return this.maximize ? value - this.minDelta > reference : value + this.minDelta < reference;
  }

  private copyWeights(): tfCore.Tensor[] {
    return this.model.variables.map((variable) => this.tf.clone(variable));
  }
}

/**
 * Keras 3 ReduceLROnPlateau. After `patience` epochs in which the monitored value has not
 * beaten the best by `min_delta`, the learning rate is multiplied by `factor` (not below
 * `min_lr`), and the count pauses for `cooldown` epochs.
 */
class ReduceLearningRateOnPlateau implements EpochCallback {
  private readonly monitor: string;
  private readonly factor: number;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly minimumRate: number;
  private readonly maximize: boolean;
  private best: number;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(
    config: Readonly<Record<string, unknown>>,
    private readonly optimizer: AdjustableOptimizer,
    private readonly log: CallbackLog,
  ) {
    this.monitor = String(config.monitor ?? 'val_loss');
    this.factor = numberOf(config, 'factor', 0.1);
    this.patience = numberOf(config, 'patience', 10);
    this.minDelta = numberOf(config, 'min_delta', 1e-4);
    this.cooldown = numberOf(config, 'cooldown', 0);
    this.minimumRate = numberOf(config, 'min_lr', 0);
    this.maximize = config.mode === 'max';
    this.best = this.maximize ? -Infinity : Infinity;
  }

  onEpochEnd(epoch: number, logs: EpochLogs): boolean {
    const current = monitoredValue(this.monitor, logs);
    if (current === undefined) {
      return false;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    const improved = this.maximize ? current > this.best + this.minDelta : current < this.best - this.minDelta;
    if (improved) {
      this.best = current;
      this.wait = 0;
      return false;
    }
    if (this.cooldownCounter > 0) {
      return false;
    }
    this.wait += 1;
    if (this.wait < this.patience) {
      return false;
    }
    const oldRate = this.optimizer.learningRate;
    if (oldRate > Math.fround(this.minimumRate)) {
      const newRate = Math.max(oldRate * this.factor, this.minimumRate);
      this.optimizer.setLearningRate(newRate);
      this.log(
        l10n.t({
          message: 'Epoch {0}: ReduceLROnPlateau lowered the learning rate from {1} to {2}, because {3} has not improved for {4} epochs.',
          args: [epoch + 1, formatRate(oldRate), formatRate(this.optimizer.learningRate), this.monitor, this.wait],
          comment: ['{3} is a metric name such as val_loss.'],
        }),
      );
      this.cooldownCounter = this.cooldown;
      this.wait = 0;
    }
    return false;
  }
}

/**
 * Keras 3 LearningRateScheduler with its rates computed before training: the rate for each
 * epoch is set when the epoch begins.
 */
class LearningRateScheduler implements EpochCallback {
  constructor(
    private readonly rates: readonly number[],
    private readonly optimizer: AdjustableOptimizer,
  ) {}

  onEpochBegin(epoch: number): void {
    // NOTE: the parser computes rates for at most MAX_SCHEDULED_EPOCHS epochs; later epochs keep the last rate.
    const rate = this.rates[Math.min(epoch, this.rates.length - 1)];
    if (rate !== undefined) {
      this.optimizer.setLearningRate(rate);
    }
  }
}

/** Formats a learning rate with up to 6 significant digits, as a log line shows it. */
export function formatRate(rate: number): string {
  return Number(rate.toPrecision(6)).toString();
}
