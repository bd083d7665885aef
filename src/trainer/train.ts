/**
 * The training run behind "Train model", with Keras `fit` semantics. Batches of
 * `batch_size` come in an order reshuffled every epoch, validation uses the last fraction
 * of the training arrays, and epoch metrics are means over the epoch's examples. A final
 * `evaluate` runs on the test set. Tests and benchmarks import this module directly, and
 * `main.ts` wraps it for the forked trainer process.
 */
import * as l10n from '@vscode/l10n';
import type { ModelSpec } from '../common/modelSpec';
import type { EpochLogs, StatisticsSample } from '../common/statistics';
import type { TrainerToHost, TrainOptions } from '../common/trainerProtocol';
import { locateNonFinite } from '../diagnosis/nonFiniteLocation';
import {
  checkInputMatchesData,
  checkPixelScaling,
  makeBatch,
  prepareDataset,
  targetEncoding,
  type ExampleSet,
  type PreparedDataset,
} from './dataset';
import { loadDataset } from './datasets';
import { CallbackRunner, formatRate, type EarlyStop } from './callbacks';
import { TrainerError } from './errors';
import { evaluateExamples, yieldToEventLoop } from './evaluation';
import { sampledBatches } from './layerStatistics';
import { buildModel, disposeModel, outputTrackedIndex, type BuiltModel } from './model';
import { createOptimizer, type AdjustableOptimizer } from './optimizers';
import { createRandom, deriveSeed, drawSeed, RandomStream, shuffleInPlace, type Random } from './random';
import { checkTargetsFitOutput, resolveObjective, type Objective } from './targets';
import { loadTensorFlow, type Tf } from './tensorflow';
import { TrainingStep } from './trainingStep';

export type Emit = (message: TrainerToHost) => void;

/** Shortest interval between two progress messages. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * Trains `spec` on its dataset and reports everything through `emit`, ending with `finished`.
 * `isStopRequested` is polled before every batch and between evaluation chunks; a stop
 * skips the remaining epochs and the test evaluation.
 * @throws TrainerError (localized, with the layer index when known) for problems with the
 * model, data or options; other errors come from tfjs itself.
 */
export async function train(
  spec: ModelSpec,
  options: TrainOptions,
  emit: Emit,
  isStopRequested: () => boolean,
): Promise<void> {
  checkSpec(spec);

  const { tf, backend, fallbacks } = await loadTensorFlow(options.backend, options.wasmDir);
  emit({ type: 'backend', backend, fallbacks });

  // The model is built before the dataset is read, so mistakes in it are reported at once.
  const seed = options.seed ?? drawSeed();
  const warn = (message: string): void => emit({ type: 'log', level: 'warn', message });
  const model = buildModel(tf, spec, createRandom(deriveSeed(seed, RandomStream.initializers)), warn);
  let optimizer: AdjustableOptimizer | undefined;
  try {
    checkModel(spec, model, warn);
    optimizer = createOptimizer(tf, spec.compile.optimizer);

    const loaded = await loadDataset(spec.dataset, options, seed);
    checkInputMatchesData(spec, loaded.exampleShape, loaded.displayName);
    const encoding = targetEncoding(spec, loaded, model.outputShape);
    checkTargetsFitOutput(spec, encoding, model.outputShape, warn);
    const objective = resolveObjective(spec, model.outputShape);
    const data = prepareDataset(loaded, spec.fit, options, encoding);
    emit({
      type: 'dataset',
      name: spec.dataset.name,
      origin: spec.dataset.origin,
      trainExamples: data.train.indices.length,
      validationExamples: data.validation?.indices.length ?? 0,
      testExamples: data.test.indices.length,
    });

    const run = new Run(tf, spec, options, emit, isStopRequested, model, optimizer, data, seed, objective);
    const stopped = await run.fit();
    if (stopped) {
      // A run that went non-finite ends without a test evaluation, which would only report NaN.
      emit({ type: 'finished', stopped: !run.endedNonFinite });
      return;
    }

    const evaluation = await evaluateExamples(tf, model, data.test, spec.inputShape, spec.dataset, isStopRequested, objective);
    if (evaluation) {
      emit({ type: 'evaluation', evaluation: { ...evaluation, accuracy: run.reportedAccuracy(evaluation.accuracy) } });
    }
    emit({ type: 'finished', stopped: evaluation === undefined });
  } finally {
    optimizer?.dispose();
    disposeModel(model);
  }
}

/** The state of one `fit` call. */
class Run {
  private readonly step: TrainingStep;
  private readonly shuffleRandom: Random;
  private readonly hasAccuracy: boolean;
  private readonly callbacks: CallbackRunner;
  private lastProgress = -Infinity;
  /** Set when a NaN or infinite loss or gradient ended training; see `stopOnNonFinite`. */
  endedNonFinite = false;

  constructor(
    private readonly tf: Tf,
    private readonly spec: ModelSpec,
    private readonly options: TrainOptions,
    private readonly emit: Emit,
    private readonly isStopRequested: () => boolean,
    private readonly model: BuiltModel,
    optimizer: AdjustableOptimizer,
    private readonly data: PreparedDataset,
    private readonly seed: number,
    private readonly objective: Objective,
  ) {
    this.step = new TrainingStep(
      tf,
      model,
      optimizer,
      spec.compile.optimizer.learningRate,
      createRandom(deriveSeed(seed, RandomStream.dropout)),
      objective,
    );
    this.shuffleRandom = createRandom(deriveSeed(seed, RandomStream.shuffle));
    this.hasAccuracy = objective.accuracy !== undefined;
    const log = (message: string): void => emit({ type: 'log', level: 'info', message });
    this.callbacks = new CallbackRunner(tf, spec.fit.callbacks ?? [], optimizer, model, log);
  }

  /** Announces and runs the epochs; returns true when a stop request or a non-finite step ended them early. */
  async fit(): Promise<boolean> {
    const { spec, emit } = this;
    const epochs = Math.min(spec.fit.epochs, this.options.maxEpochs);
    if (epochs < spec.fit.epochs) {
      emit({
        type: 'log',
        level: 'info',
        message: l10n.t(
          'The file asks for {0} epochs; training stops after {1}, the maximum set in the options.',
          spec.fit.epochs,
          epochs,
        ),
      });
    }

    const stepsPerEpoch = Math.ceil(this.data.train.indices.length / spec.fit.batchSize);
    emit({
      type: 'trainingStarted',
      layers: this.model.tracked.map((state) => state.info),
      epochs,
      stepsPerEpoch,
      seed: this.seed,
    });

    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        this.callbacks.onEpochBegin(epoch);
        const logs = await this.runEpoch(epoch, stepsPerEpoch);
        if (!logs) {
          return true;
        }
        this.emit({ type: 'epoch', logs });
        if (this.callbacks.onEpochEnd(epoch, logs)) {
          break;
        }
      }
      this.callbacks.onTrainEnd();
      const earlyStop = this.callbacks.earlyStop;
      if (earlyStop) {
        this.emit({ type: 'log', level: 'info', message: earlyStopMessage(earlyStop, epochs) });
      }
      return false;
    } finally {
      this.callbacks.dispose();
    }
  }

  /** Keras reports accuracy only when the file requests the metric. */
  reportedAccuracy(accuracy: number): number {
    return this.hasAccuracy ? accuracy : NaN;
  }

  /** Returns the epoch's logs, or undefined when stopped. */
  private async runEpoch(epoch: number, stepsPerEpoch: number): Promise<EpochLogs | undefined> {
    const started = performance.now();
    const { batchSize } = this.spec.fit;
    const train = this.data.train;
    const order = Int32Array.from(train.indices);
    if (this.spec.fit.shuffle) {
      shuffleInPlace(order, this.shuffleRandom);
    }
    const examples: ExampleSet = { source: train.source, indices: order };
    const sampled = sampledBatches(stepsPerEpoch, this.options.samplesPerEpoch);

    // Keras weights each batch's loss by its size, so the epoch value is a mean over examples.
    let lossSum = 0;
    let correctSum = 0;
    for (let batch = 0; batch < stepsPerEpoch; batch++) {
      if (this.isStopRequested()) {
        return undefined;
      }
      const start = batch * batchSize;
      const end = Math.min(start + batchSize, order.length);
      const tensors = makeBatch(this.tf, examples, start, end, this.spec.inputShape, this.spec.dataset);
      let outcome;
      try {
        outcome = await this.step.run(tensors.x, tensors.y, sampled.has(batch));
      } finally {
        this.tf.dispose([tensors.x, tensors.y]);
      }
      lossSum += outcome.loss * (end - start);
      correctSum += outcome.accuracy * (end - start);

      if (outcome.layers) {
        const sample: StatisticsSample = {
          step: epoch * stepsPerEpoch + batch,
          epoch,
          batch,
          loss: outcome.loss,
          accuracy: this.reportedAccuracy(outcome.accuracy),
          layers: outcome.layers,
        };
        this.emit({ type: 'sample', sample });
        if (outcome.nonFinite) {
          this.stopOnNonFinite(sample, stepsPerEpoch);
          return undefined;
        }
      }
      this.reportProgress(epoch, batch, batch === stepsPerEpoch - 1);
      await yieldToEventLoop();
    }

    const validation = this.data.validation
      ? await evaluateExamples(
          this.tf,
          this.model,
          this.data.validation,
          this.spec.inputShape,
          this.spec.dataset,
          this.isStopRequested,
          this.objective,
        )
      : undefined;
    if (this.data.validation && !validation) {
      return undefined;
    }

    const count = order.length;
    return {
      epoch,
      loss: lossSum / count,
      accuracy: this.reportedAccuracy(correctSum / count),
      valLoss: validation?.loss,
      valAccuracy: validation ? this.reportedAccuracy(validation.accuracy) : undefined,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /**
   * Ends training after a step whose loss or gradients became NaN or infinite: every later
   * step would only carry the NaN further. Keras's TerminateOnNaN callback stops the same way.
   */
  private stopOnNonFinite(sample: StatisticsSample, stepsPerEpoch: number): void {
    this.endedNonFinite = true;
    this.reportProgress(sample.epoch, sample.batch, true);

    const where = locateNonFinite(sample);
    const layer = where === undefined ? undefined : this.model.tracked[where.trackedIndex]?.info;
    const position = [sample.step + 1, sample.epoch + 1, sample.batch + 1, stepsPerEpoch];
    const message = layer
      ? l10n.t({
          message:
            'Training stopped at step {0} (epoch {1}, batch {2} of {3}) because the loss or a gradient became NaN or infinite. It went bad first in layer {4} on line {5}.',
          args: [...position, layer.name, layer.line + 1],
          comment: ['NaN means "not a number". {4} is a layer name such as dense_3, {5} a line number.'],
        })
      : l10n.t({
          message:
            'Training stopped at step {0} (epoch {1}, batch {2} of {3}) because the loss became NaN or infinite.',
          args: position,
          comment: ['NaN means "not a number".'],
        });
    this.emit({ type: 'log', level: 'error', message });
  }

  private reportProgress(epoch: number, batch: number, force: boolean): void {
    const now = performance.now();
    if (force || now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
      this.lastProgress = now;
      this.emit({ type: 'progress', epoch, batch });
    }
  }
}

/** Returns the run's closing note when EarlyStopping ended it, as Keras prints with `verbose=1`. */
function earlyStopMessage(stop: EarlyStop, epochs: number): string {
  const args = [stop.epoch + 1, epochs, stop.monitor, stop.epoch - stop.bestEpoch, formatRate(stop.best), stop.bestEpoch + 1];
  return stop.restoredWeights
    ? l10n.t({
        message: 'EarlyStopping stopped training after epoch {0} of {1}: {2} has not improved for {3} epochs. The model keeps the weights of epoch {5}, where {2} was best ({4}), because restore_best_weights=True restores them.',
        args,
        comment: ['{2} is a metric name such as val_loss. restore_best_weights=True is Keras code: keep it untranslated.'],
      })
    : l10n.t({
        message: 'EarlyStopping stopped training after epoch {0} of {1}: {2} has not improved for {3} epochs since its best value, {4} at epoch {5}. The model keeps the weights of the last epoch.',
        args,
        comment: ['{2} is a metric name such as val_loss.'],
      });
}

/** Checks what can be checked before loading anything. */
function checkSpec(spec: ModelSpec): void {
  checkPixelScaling(spec.dataset);
  checkInputMatchesData(spec);
  if (!Number.isInteger(spec.fit.batchSize) || spec.fit.batchSize < 1) {
    throw new TrainerError(
      l10n.t({
        message: 'batch_size must be a positive whole number, got {0}.',
        args: [spec.fit.batchSize],
        comment: ['batch_size is the Keras argument name: keep it untranslated.'],
      }),
    );
  }
  if (!Number.isInteger(spec.fit.epochs) || spec.fit.epochs < 0) {
    throw new TrainerError(
      l10n.t({
        message: 'epochs must be a whole number of at least 0, got {0}.',
        args: [spec.fit.epochs],
        comment: ['epochs is the Keras argument name: keep it untranslated.'],
      }),
    );
  }

  const { loss } = spec.compile;
  if (loss === 'categorical_crossentropy' && !spec.dataset.oneHotLabels) {
    throw new TrainerError(
      l10n.t({
        message:
          'categorical_crossentropy needs one-hot labels, but the labels are class numbers. Use sparse_categorical_crossentropy, or convert the labels with to_categorical.',
        comment: ['Words in snake_case and calls such as Dense(...) are Keras code: keep them untranslated.'],
      }),
    );
  }
  if (loss === 'sparse_categorical_crossentropy' && spec.dataset.oneHotLabels) {
    throw new TrainerError(
      l10n.t({
        message:
          'sparse_categorical_crossentropy needs class numbers as labels, but the labels are one-hot (to_categorical). Use categorical_crossentropy, or keep the labels as class numbers.',
        comment: ['Words in snake_case and calls such as Dense(...) are Keras code: keep them untranslated.'],
      }),
    );
  }
}

/**
 * Checks the built model: it needs weights to train, and a crossentropy without
 * `from_logits` needs probabilities from the output, which the parser also checks.
 */
function checkModel(spec: ModelSpec, model: BuiltModel, warn: (message: string) => void): void {
  if (model.trainableVariables.length === 0) {
    throw new TrainerError(l10n.t('The model has no trainable weights. Add a Dense layer.'));
  }

  const { loss, fromLogits } = spec.compile;
  const output = model.tracked[outputTrackedIndex(model)];
  const expected = loss === 'binary_crossentropy' ? ['sigmoid', 'softmax'] : ['softmax'];
  const isCrossentropy = loss === 'binary_crossentropy' || loss === 'sparse_categorical_crossentropy' || loss === 'categorical_crossentropy';
  if (isCrossentropy && !fromLogits && output && !expected.includes(output.info.activation)) {
    warn(
      l10n.t(
        'The last layer {0} uses the activation {1}, not {2}. {3} expects probabilities, so the loss may not fall.',
        output.info.name,
        output.info.activation,
        expected[0],
        loss,
      ),
    );
  }
}
