/**
 * The panel header: file name, run facts (backend, dataset, seed), progress, the Stop
 * button, the status line and the test evaluation. Elements are created once and updated.
 */
import { datasetDisplayName } from '../src/common/datasets';
import type { PanelStrings } from '../src/common/panelStrings';
import type { PanelState, RunSnapshot } from '../src/common/runState';
import { fillTemplate, formatFixed, formatInteger, formatPercent } from './format';

export interface HeaderElements {
  readonly root: HTMLElement;
  readonly title: HTMLElement;
  readonly stop: HTMLButtonElement;
  readonly facts: HTMLElement;
  readonly progress: HTMLElement;
  readonly epochCounter: HTMLElement;
  readonly batchProgress: HTMLElement;
  readonly progressFill: HTMLElement;
  readonly status: HTMLElement;
  readonly evaluation: HTMLElement;
}

export interface HeaderView {
  readonly state: PanelState;
  readonly strings: PanelStrings;
  readonly locale: string;
  /** False in reports, which never show Stop. */
  readonly interactive: boolean;
  /** True once the user pressed Stop, until the host sends a new state. */
  readonly stopRequested: boolean;
}

function child<K extends keyof HTMLElementTagNameMap>(parent: HTMLElement, tag: K, className: string): HTMLElementTagNameMap[K] {
  const element = parent.appendChild(document.createElement(tag));
  element.className = className;
  return element;
}

export function createHeader(parent: HTMLElement, stop: () => void): HeaderElements {
  const root = child(parent, 'header', 'panel-header');
  const titleRow = child(root, 'div', 'header-title-row');
  const title = child(titleRow, 'h1', 'file-name');
  const stopButton = child(titleRow, 'button', 'stop-button');
  stopButton.type = 'button';
  stopButton.addEventListener('click', stop);

  const facts = child(root, 'ul', 'run-facts');
  const progress = child(root, 'div', 'run-progress');
  const epochCounter = child(progress, 'span', 'epoch-counter');
  const batchProgress = child(progress, 'span', 'batch-progress');
  const progressBar = child(progress, 'div', 'progress-bar');
  progressBar.setAttribute('aria-hidden', 'true');
  const progressFill = child(progressBar, 'div', 'progress-fill');

  const status = child(root, 'p', 'run-status');
  status.setAttribute('role', 'status');
  const evaluation = child(root, 'p', 'evaluation');
  evaluation.id = 'evaluation';

  return { root, title, stop: stopButton, facts, progress, epochCounter, batchProgress, progressFill, status, evaluation };
}

export function renderHeader(elements: HeaderElements, view: HeaderView): void {
  const { state, strings, locale } = view;
  const run = state.kind === 'idle' ? undefined : state.run;

  elements.title.textContent = run?.fileName || strings.title;

  elements.stop.textContent = strings.stop;
  elements.stop.title = strings.stopHint;
  elements.stop.hidden = !(view.interactive && state.kind === 'training');
  elements.stop.disabled = view.stopRequested;

  renderFacts(elements.facts, run, strings, locale);
  renderProgress(elements, state, run, strings, locale);

  const status = statusText(state, run, strings, locale);
  elements.status.textContent = status;
  elements.status.hidden = status === '';
  elements.status.classList.toggle('is-error', state.kind === 'failed');

  const evaluation = run?.evaluation;
  elements.evaluation.hidden = evaluation === undefined;
  elements.evaluation.textContent = evaluation
    ? Number.isNaN(evaluation.accuracy)
      ? fillTemplate(strings.evaluationLossOnly, formatFixed(evaluation.loss, 4, locale), formatInteger(evaluation.examples, locale))
      : fillTemplate(
          strings.evaluation,
          formatPercent(evaluation.accuracy, strings, locale),
          formatFixed(evaluation.loss, 4, locale),
          formatInteger(evaluation.examples, locale),
        )
    : '';
}

function renderFacts(list: HTMLElement, run: RunSnapshot | undefined, strings: PanelStrings, locale: string): void {
  const facts: string[] = [];
  if (run?.backend) {
    facts.push(fillTemplate(strings.backend, run.backend));
  }
  if (run?.datasetName) {
    const name = datasetDisplayName(run.datasetName);
    facts.push(fillTemplate(run.datasetOrigin === 'inferred' ? strings.datasetInferred : strings.dataset, name));
  }
  if (run?.trainExamples !== undefined) {
    facts.push(
      run.validationExamples
        ? fillTemplate(strings.trainValidationExamples, formatInteger(run.trainExamples, locale), formatInteger(run.validationExamples, locale))
        : fillTemplate(strings.trainExamples, formatInteger(run.trainExamples, locale)),
    );
  }
  if (run?.seed !== undefined) {
    facts.push(fillTemplate(strings.seed, String(run.seed)));
  }
  if (run?.sourceChangedSinceStart) {
    facts.push(fillTemplate(strings.sourceChanged, run.fileName));
  }

  list.replaceChildren(
    ...facts.map((fact) => {
      const item = document.createElement('li');
      item.textContent = fact;
      return item;
    }),
  );
  list.hidden = facts.length === 0;
}

function renderProgress(elements: HeaderElements, state: PanelState, run: RunSnapshot | undefined, strings: PanelStrings, locale: string): void {
  const started = run !== undefined && run.epochs > 0 && (run.progress !== undefined || run.epochLogs.length > 0);
  elements.progress.hidden = !started;
  if (!started || !run) {
    return;
  }

  const stepsPerEpoch = Math.max(1, run.stepsPerEpoch);
  // A run stopped by NaN also finishes without `stopped`, but before its last epoch.
  const finishedNormally = state.kind === 'finished' && !state.stopped && run.epochLogs.length >= run.epochs;
  let epoch = run.epochLogs.length;
  let batch = stepsPerEpoch;
  if (finishedNormally) {
    epoch = run.epochs;
  } else if (run.progress) {
    epoch = run.progress.epoch + 1;
    batch = run.progress.batch + 1;
  }
  const done = (epoch - 1) * stepsPerEpoch + batch;

  elements.epochCounter.textContent = fillTemplate(strings.epochCounter, formatInteger(epoch, locale), formatInteger(run.epochs, locale));
  elements.batchProgress.textContent = fillTemplate(strings.batchProgress, formatInteger(batch, locale), formatInteger(stepsPerEpoch, locale));
  elements.progressFill.style.width = `${Math.min(100, (100 * done) / (run.epochs * stepsPerEpoch))}%`;
}

function statusText(state: PanelState, run: RunSnapshot | undefined, strings: PanelStrings, locale: string): string {
  switch (state.kind) {
    case 'idle':
      return strings.idle;
    case 'training':
      return run && run.layers.length === 0 ? strings.preparing : '';
    case 'finished': {
      const completed = formatInteger(state.run.epochLogs.length, locale);
      return fillTemplate(state.stopped ? strings.stopped : strings.finished, completed, formatInteger(state.run.epochs, locale));
    }
    case 'failed':
      return `${strings.failed} ${state.message}`;
  }
}
