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
import { checkPixelScaling, makeBatch, prepareDataset, type ExampleSet, type PreparedDataset } from './dataset';
import { TrainerError } from './errors';
import { evaluateExamples, yieldToEventLoop } from './evaluation';
import { sampledBatches } from './layerStatistics';
import { loadMnist, MNIST_CLASSES, MNIST_PIXELS } from './mnist';
import { buildModel, disposeModel, type BuiltModel } from './model';
import { createOptimizer, type Optimizer } from './optimizers';
import { createRandom, deriveSeed, drawSeed, RandomStream, shuffleInPlace, type Random } from './random';
import { loadTensorFlow, type Tf } from './tensorflow';
import { TrainingStep } from './trainingStep';

export type Emit = (message: TrainerToHost) => void;

/** Shortest interval between two progress messages. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * Trains `spec` on MNIST and reports everything through `emit`, ending with `finished`.
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

  // The model is built before MNIST is read, so mistakes in it are reported at once.
  const seed = options.seed ?? drawSeed();
  const warn = (message: string): void => emit({ type: 'log', level: 'warn', message });
  const model = buildModel(tf, spec, createRandom(deriveSeed(seed, RandomStream.initializers)), warn);
  let optimizer: Optimizer | undefined;
  try {
    checkModel(spec, model, warn);
    optimizer = createOptimizer(tf, spec.compile.optimizer);

    const mnist = await loadMnist(options.dataDir);
    const data = prepareDataset(mnist, spec.fit, options);
    emit({
      type: 'dataset',
      name: spec.dataset.name,
      origin: spec.dataset.origin,
      trainExamples: data.train.indices.length,
      validationExamples: data.validation?.indices.length ?? 0,
      testExamples: data.test.indices.length,
    });

    const run = new Run(tf, spec, options, emit, isStopRequested, model, optimizer, data, seed);
    const stopped = await run.fit();
    if (stopped) {
      // A run that went non-finite ends without a test evaluation, which would only report NaN.
      emit({ type: 'finished', stopped: !run.endedNonFinite });
      return;
    }

    const evaluation = await evaluateExamples(tf, model, data.test, spec.inputShape, spec.dataset, isStopRequested);
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
    optimizer: Optimizer,
    private readonly data: PreparedDataset,
    private readonly seed: number,
  ) {
    this.step = new TrainingStep(
      tf,
      model,
      optimizer,
      spec.compile.optimizer.learningRate,
      createRandom(deriveSeed(seed, RandomStream.dropout)),
    );
    this.shuffleRandom = createRandom(deriveSeed(seed, RandomStream.shuffle));
    this.hasAccuracy = spec.compile.metrics.includes('accuracy');
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

    for (let epoch = 0; epoch < epochs; epoch++) {
      const logs = await this.runEpoch(epoch, stepsPerEpoch);
      if (!logs) {
        return true;
      }
      this.emit({ type: 'epoch', logs });
    }
    return false;
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

/** Checks what can be checked before loading anything. */
function checkSpec(spec: ModelSpec): void {
  checkPixelScaling(spec.dataset);
  const pixels = spec.inputShape.reduce((product, size) => product * size, 1);
  if (pixels !== MNIST_PIXELS) {
    const inputIndex = spec.layers.findIndex((layer) => layer.className === 'InputLayer');
    throw new TrainerError(
      l10n.t({
        message:
          'The model expects inputs of shape ({0}), but MNIST images have 28×28 = 784 pixels. Use input_shape=(28, 28).',
        args: [spec.inputShape.join(', ')],
        comment: ['{0} is a shape such as "32, 32". input_shape=(28, 28) is Keras code: keep it untranslated.'],
      }),
      inputIndex >= 0 ? inputIndex : 0,
    );
  }
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

/** Checks the built model against MNIST's ten classes. */
function checkModel(spec: ModelSpec, model: BuiltModel, warn: (message: string) => void): void {
  const lastIndex = spec.layers.length - 1;
  if (model.outputShape.length !== 1 || model.outputShape[0] !== MNIST_CLASSES) {
    throw new TrainerError(
      l10n.t({
        message:
          'The model outputs shape (None, {0}), but MNIST needs one score per class: (None, 10). End the model with Dense(10, activation="softmax"), with Flatten() before the Dense layers.',
        args: [model.outputShape.join(', ')],
        comment: ['{0} is the rest of a shape such as "28, 10". Words in snake_case and calls such as Dense(...) are Keras code: keep them untranslated.'],
      }),
      lastIndex >= 0 ? lastIndex : undefined,
    );
  }
  if (model.trainableVariables.length === 0) {
    throw new TrainerError(l10n.t('The model has no trainable weights. Add a Dense layer.'));
  }

  const lastTracked = model.tracked[model.tracked.length - 1];
  if (lastTracked && lastTracked.info.activation !== 'softmax') {
    warn(
      l10n.t(
        'The last layer {0} uses the activation {1}, not softmax. Crossentropy expects probabilities, so the loss may not fall.',
        lastTracked.info.name,
        lastTracked.info.activation,
      ),
    );
  }
}
