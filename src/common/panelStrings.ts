/**
 * Localized strings the training panel shows. The webview has no localization layer of its
 * own, so the host (or the CLI, for HTML reports) builds this object and sends it along.
 *
 * Strings with `{0}`, `{1}`… are templates: they are localized here with the placeholders
 * left in, and the panel fills them in with values it formats in the page's locale.
 */
import * as l10n from '@vscode/l10n';
import { buildAccessibilityStrings, type AccessibilityStrings } from './accessibilityStrings';
import { buildExportStrings, type ExportStrings } from './exportStrings';
import { buildCompareStrings, buildFindingsStrings, type CompareStrings, type FindingsStrings } from './findingsStrings';
import type { StatisticKey } from './statistics';

export interface StatisticStrings {
  /** Short name for the statistic switch, the legend and tooltips. */
  readonly label: string;
  /** One or two sentences shown above the heatmap. */
  readonly description: string;
}

export interface PanelStrings {
  readonly title: string;
  /** Template: {0} is the model file name. */
  readonly reportTitle: string;
  readonly idle: string;
  readonly stop: string;
  readonly stopHint: string;

  // Header
  /** Template: {0} is the backend name, such as `wasm`. */
  readonly backend: string;
  /** Template: {0} is the dataset name. */
  readonly dataset: string;
  /** Template: {0} is the dataset name. */
  readonly datasetInferred: string;
  /** Template: {0} training and {1} validation example counts. */
  readonly trainValidationExamples: string;
  /** Template: {0} training example count. */
  readonly trainExamples: string;
  /** Template: {0} is the random seed. */
  readonly seed: string;
  /** Template: {0} is the model file name. Shown when the file was edited during the run. */
  readonly sourceChanged: string;
  /** Template: {0} current epoch (1-based), {1} epochs in the run. */
  readonly epochCounter: string;
  /** Template: {0} current batch (1-based), {1} batches per epoch. */
  readonly batchProgress: string;
  readonly preparing: string;
  /** Template: {0} completed epochs, {1} epochs in the run. */
  readonly finished: string;
  /** Template: {0} completed epochs, {1} epochs in the run. */
  readonly stopped: string;
  readonly failed: string;
  /** Template: {0} accuracy, {1} loss, {2} example count. */
  readonly evaluation: string;
  /** Template: {0} loss, {1} example count. */
  readonly evaluationLossOnly: string;
  /** Template: {0} is a number already multiplied by 100. */
  readonly percent: string;

  // Heatmap
  readonly statisticSwitch: string;
  readonly statistics: Readonly<Record<StatisticKey, StatisticStrings>>;
  readonly logScale: string;
  readonly linearScale: string;
  readonly heatmapHint: string;
  readonly revealHint: string;
  /** Template: {0} is the layer label. */
  readonly revealLayer: string;
  readonly waitingForSamples: string;
  readonly epochAxis: string;
  readonly legendNonFinite: string;
  readonly legendZero: string;
  readonly legendNotApplicable: string;
  readonly notApplicable: string;
  /** Template: {0} epoch (1-based), {1} batch (1-based), {2} batches per epoch. */
  readonly tooltipPosition: string;
  /** Template: {0} batch loss, {1} batch accuracy. */
  readonly tooltipBatchMetrics: string;
  /** Template: {0} batch loss. */
  readonly tooltipBatchLoss: string;
  /** Template: {0} count of NaN or infinite gradient entries. */
  readonly tooltipNonFiniteEntries: string;

  // Curves
  readonly lossTitle: string;
  readonly accuracyTitle: string;
  readonly seriesBatches: string;
  readonly seriesTrain: string;
  readonly seriesValidation: string;
  readonly noAccuracy: string;

  // Export menu, keyboard navigation and colour scale
  readonly exportMenu: ExportStrings;
  readonly accessibility: AccessibilityStrings;

  // Findings list and the comparison with a previous run
  readonly findings: FindingsStrings;
  readonly compare: CompareStrings;
}

export function buildPanelStrings(): PanelStrings {
  return {
    title: l10n.t('Gradient Flow'),
    reportTitle: l10n.t({
      message: 'Gradient Flow report: {0}',
      comment: ['{0} is the model file name, such as deep_sigmoid.py.'],
    }),
    idle: l10n.t('Right-click a Keras model file and choose Train model.'),
    stop: l10n.t('Stop'),
    stopHint: l10n.t('Stop training after the current batch.'),

    backend: l10n.t({
      message: 'Backend: {0}',
      comment: ['{0} is the TensorFlow.js backend name: tensorflow, wasm or cpu.'],
    }),
    dataset: l10n.t({ message: 'Dataset: {0}', comment: ['{0} is the dataset name, such as MNIST.'] }),
    datasetInferred: l10n.t({
      message: "Dataset: {0}, chosen from the model's input shape",
      comment: ['{0} is the dataset name. The file does not load a dataset, so one was chosen to fit the shape of the model input.'],
    }),
    trainValidationExamples: l10n.t('{0} training and {1} validation examples'),
    trainExamples: l10n.t('{0} training examples'),
    seed: l10n.t({ message: 'Seed: {0}', comment: ['{0} is the random seed of the run.'] }),
    sourceChanged: l10n.t({
      message: '{0} was edited after training started; this run trains the text it started with.',
      comment: ['{0} is the model file name, such as model.py.'],
    }),
    epochCounter: l10n.t({
      message: 'Epoch {0} / {1}',
      comment: ['{0} is the current epoch, {1} the number of epochs, as in Keras progress output.'],
    }),
    batchProgress: l10n.t({
      message: 'Batch {0} / {1}',
      comment: ['{0} is the current batch within the epoch, {1} the number of batches per epoch.'],
    }),
    preparing: l10n.t('Preparing the data and the model…'),
    finished: l10n.t({
      message: 'Training finished: {0} of {1} epochs completed.',
      comment: ['{0} is the number of completed epochs, {1} the number of epochs the file asks for.'],
    }),
    stopped: l10n.t({
      message: 'Training stopped on request: {0} of {1} epochs completed.',
      comment: ['{0} is the number of completed epochs, {1} the number of epochs the file asks for.'],
    }),
    failed: l10n.t('Training failed.'),
    evaluation: l10n.t({
      message: 'Test accuracy {0} · loss {1} on {2} examples',
      comment: ['{0} is a percentage such as 11.35 %, {1} the loss such as 2.3012, {2} the number of test examples.'],
    }),
    evaluationLossOnly: l10n.t({
      message: 'Test loss {0} on {1} examples',
      comment: ['{0} is the loss such as 2.3012, {1} the number of test examples.'],
    }),
    percent: l10n.t({
      message: '{0} %',
      comment: ['A percentage; {0} is a number such as 11.35. Write it as your language writes percentages.'],
    }),

    statisticSwitch: l10n.t('Statistic shown in the heatmap'),
    statistics: {
      weightGradNorm: {
        label: l10n.t('Weight gradient ‖∂L/∂W‖'),
        description: l10n.t(
          "L2 norm of the loss gradient with respect to the layer's weights. Dark rows get small gradients and barely learn.",
        ),
      },
      outputGradNorm: {
        label: l10n.t('Backpropagated signal ‖∂L/∂output‖'),
        description: l10n.t(
          "L2 norm of the loss gradient with respect to the layer's output: the error signal that backpropagation passes on to the layers before it.",
        ),
      },
      activationMean: {
        label: l10n.t('Activation mean'),
        description: l10n.t("Mean of the layer's outputs over the batch."),
      },
      activationStd: {
        label: l10n.t({ message: 'Activation std', comment: ['std is the standard deviation.'] }),
        description: l10n.t(
          "Standard deviation of the layer's outputs over the batch. Near 0, every unit outputs about the same value.",
        ),
      },
      saturatedFraction: {
        label: l10n.t({ message: 'Saturated %', comment: ['Share of saturated sigmoid or tanh outputs.'] }),
        description: l10n.t(
          'Share of sigmoid and tanh outputs within 0.01 of an asymptote, where the derivative is almost 0.',
        ),
      },
      deadFraction: {
        label: l10n.t({ message: 'Dead %', comment: ['Share of dead ReLU units.'] }),
        description: l10n.t('Share of ReLU units that output 0 for every example of the batch.'),
      },
      updateRatio: {
        label: l10n.t('Update ratio'),
        description: l10n.t(
          '‖learning rate × ∂L/∂W‖ / ‖W‖: how far one training step moves the weights, relative to their size.',
        ),
      },
    },
    logScale: l10n.t('Log scale'),
    linearScale: l10n.t('Linear scale'),
    heatmapHint: l10n.t(
      'One row per layer, from the input (top) to the output (bottom), and one column per sampled training step.',
    ),
    revealHint: l10n.t('Click a layer name to show it in the editor.'),
    revealLayer: l10n.t({ message: 'Show {0} in the editor', comment: ['{0} is a layer such as dense_1 · sigmoid · 64.'] }),
    waitingForSamples: l10n.t('Waiting for the first statistics sample…'),
    epochAxis: l10n.t('Epoch'),
    legendNonFinite: l10n.t('NaN or infinite'),
    legendZero: l10n.t('Exactly 0 (outside the log scale)'),
    legendNotApplicable: l10n.t('Not applicable to this layer'),
    notApplicable: l10n.t({ message: 'n/a', comment: ['Short for "not applicable", shown in place of a value.'] }),
    tooltipPosition: l10n.t({
      message: 'Epoch {0} · batch {1} of {2}',
      comment: ['{0} is the epoch, {1} the batch within the epoch, {2} the number of batches per epoch.'],
    }),
    tooltipBatchMetrics: l10n.t({
      message: 'Batch loss {0} · accuracy {1}',
      comment: ['Loss and accuracy of one training batch.'],
    }),
    tooltipBatchLoss: l10n.t({ message: 'Batch loss {0}', comment: ['Loss of one training batch.'] }),
    tooltipNonFiniteEntries: l10n.t({
      message: 'NaN or infinite gradient entries: {0}',
      comment: ['{0} is a count.'],
    }),

    lossTitle: l10n.t('Loss'),
    accuracyTitle: l10n.t('Accuracy'),
    seriesBatches: l10n.t('Training batches'),
    seriesTrain: l10n.t('Training, epoch mean'),
    seriesValidation: l10n.t('Validation'),
    noAccuracy: l10n.t('The model reports no accuracy metric.'),

    exportMenu: buildExportStrings(),
    accessibility: buildAccessibilityStrings(),
    findings: buildFindingsStrings(),
    compare: buildCompareStrings(),
  };
}
