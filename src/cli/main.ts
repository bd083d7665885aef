/**
 * Command-line interface: `node dist/cli.js train FILE` trains a model file headlessly with
 * the same parser and trainer as the extension, prints progress, and writes an HTML report
 * with the heatmap plus the statistics as JSON.
 */
import * as l10n from '@vscode/l10n';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPanelStrings } from '../common/panelStrings';
import type { ModelSpec } from '../common/modelSpec';
import type { PanelState } from '../common/runState';
import type { BackendPreference } from '../common/trainerProtocol';
import { diagnose } from '../diagnosis';
import { epochsCapDiagnostic } from '../parser/fit';
import { parseModelDocument } from '../parser/modelDocument';
import { decodeModelFile } from '../parser/sourceEncoding';
import { renderReportHtml, serializeStatistics } from '../report/htmlReport';
import { CsvLocationError } from '../training/csvLocation';
import { DatasetDownloadError, defaultCliCacheDir, type DownloadProgress } from '../training/datasetDownload';
import { DEFAULT_MAX_MODEL_MEMORY_MB, describeMemoryProblem, estimateModelSize, exceedsMemoryLimit } from '../training/modelSize';
import { needsDownload, prepareRunData } from '../training/runData';
import { TrainingSession } from '../training/trainingSession';
import { formatFindings } from './findingsText';
import { TerminalProgress } from './terminalProgress';

/** The extension's root folder: dist/cli.js sits one level below it. */
const ROOT = path.resolve(__dirname, '..');

const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Output language code such as `en`, `ko` or `vi`, set by `configureLocalization`. */
let language = 'en';

const OPTIONS = {
  report: { type: 'string' },
  json: { type: 'string' },
  backend: { type: 'string', default: 'auto' },
  seed: { type: 'string', default: '42' },
  'max-epochs': { type: 'string', default: '100' },
  'samples-per-epoch': { type: 'string', default: '25' },
  lang: { type: 'string' },
  force: { type: 'boolean', default: false },
  'cache-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    // An unknown option or a missing value: print which, then how to call the CLI.
    configureLocalization(undefined);
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    return Promise.resolve(2);
  }
  const { values, positionals } = parsed;
  configureLocalization(values.lang);

  const [command, file] = positionals;
  if (values.help) {
    process.stdout.write(usage());
    return Promise.resolve(0);
  }
  if (command !== undefined && command !== 'train') {
    process.stderr.write(l10n.t('Unknown command "{0}". The only command is train.', command) + '\n\n');
  } else if (file === undefined) {
    process.stderr.write(l10n.t('Missing model file: name the Keras script or JSON model to train.') + '\n\n');
  }
  if (command !== 'train' || !file) {
    process.stdout.write(usage());
    return Promise.resolve(2);
  }

  const backend = values.backend as BackendPreference;
  if (!BACKENDS.includes(backend)) {
    return fail(l10n.t('Invalid --backend value "{0}". Use one of: {1}.', values.backend, BACKENDS.join(', ')));
  }
  const seed = parsePositiveInteger('--seed', values.seed, 0);
  const maxEpochs = parsePositiveInteger('--max-epochs', values['max-epochs'], 1);
  const samplesPerEpoch = parsePositiveInteger('--samples-per-epoch', values['samples-per-epoch'], 1);
  if (typeof seed === 'string' || typeof maxEpochs === 'string' || typeof samplesPerEpoch === 'string') {
    return fail([seed, maxEpochs, samplesPerEpoch].find((value) => typeof value === 'string') as string);
  }

  return train(path.resolve(file), {
    reportPath: path.resolve(values.report ?? `${path.parse(file).name}-report.html`),
    jsonPath: values.json ? path.resolve(values.json) : undefined,
    backend,
    seed,
    maxEpochs,
    samplesPerEpoch,
    force: values.force,
    cacheDir: path.resolve(values['cache-dir'] ?? defaultCliCacheDir(process.env, homedir(), process.platform)),
  });
}

interface TrainArguments {
  readonly reportPath: string;
  readonly jsonPath?: string;
  readonly backend: BackendPreference;
  readonly seed: number;
  readonly maxEpochs: number;
  readonly samplesPerEpoch: number;
  /** Train even when the memory estimate exceeds DEFAULT_MAX_MODEL_MEMORY_MB. */
  readonly force: boolean;
  /** Folder for datasets downloaded on first use. */
  readonly cacheDir: string;
}

async function train(filePath: string, args: TrainArguments): Promise<number> {
  if (!existsSync(filePath)) {
    return fail(l10n.t('File not found: {0}', filePath));
  }
  const fileName = path.basename(filePath);
  let bytes: Buffer;
  try {
    bytes = readFileSync(filePath);
  } catch (error) {
    return fail(l10n.t('{0} could not be read: {1}', filePath, error instanceof Error ? error.message : String(error)));
  }

  const source = decodeModelFile(bytes);
  if (source.warning) {
    process.stderr.write(`${fileName}:${(source.warningLine ?? 0) + 1}: ${severityLabel('warning')}: ${source.warning}\n`);
  }
  const result = parseModelDocument(source.text, fileName);
  const capped = result.spec ? epochsCapDiagnostic(result.spec, args.maxEpochs, '--max-epochs') : undefined;
  for (const diagnostic of capped ? [...result.diagnostics, capped] : result.diagnostics) {
    const where = `${fileName}:${diagnostic.range.startLine + 1}:${diagnostic.range.startCharacter + 1}`;
    process.stderr.write(`${where}: ${severityLabel(diagnostic.severity)}: ${diagnostic.message}\n`);
  }
  if (!result.spec) {
    return fail(l10n.t('{0} cannot be trained until the errors above are fixed.', fileName));
  }

  const estimate = estimateModelSize(result.spec);
  if (exceedsMemoryLimit(estimate, DEFAULT_MAX_MODEL_MEMORY_MB)) {
    const problem = describeMemoryProblem(result.spec, estimate, DEFAULT_MAX_MODEL_MEMORY_MB);
    if (!args.force) {
      return fail(l10n.t('{0} Pass --force to train it anyway.', problem));
    }
    process.stderr.write(l10n.t('{0} Training anyway because of --force.', problem) + '\n');
  }

  const runData = await prepareCliRunData(result.spec, filePath, args.cacheDir);
  if (typeof runData === 'string') {
    return fail(runData);
  }

  const progress = new TerminalProgress(process.stdout, language);
  const session = new TrainingSession(
    result.spec,
    {
      backend: args.backend,
      seed: args.seed,
      samplesPerEpoch: args.samplesPerEpoch,
      maxEpochs: args.maxEpochs,
      dataDir: path.join(ROOT, 'data'),
      wasmDir: path.join(ROOT, 'dist', 'wasm'),
      ...runData,
    },
    { trainerPath: path.join(ROOT, 'dist', 'trainer.js'), l10nBundlePath: localizationBundle() },
    progress,
  );

  // The first Ctrl+C stops after the current batch and still writes the report; a second one ends at once.
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      progress.note(l10n.t('Stopping after the current batch. Press Ctrl+C again to quit at once.'));
      session.stop();
    } else {
      session.kill();
    }
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const finalState = await session.done;
  process.off('SIGINT', onInterrupt);
  process.off('SIGTERM', onInterrupt);
  progress.finish(finalState);

  // The findings go into the report too, so a shared report keeps the explanation.
  const reportedState = withFindings(finalState, result.spec);
  const findings = reportedState.kind === 'idle' ? [] : (reportedState.run?.findings ?? []);
  process.stdout.write(formatFindings(findings, result.spec));

  try {
    writeReport(reportedState, args);
  } catch (error) {
    // The statistics are gone once the CLI exits, so report where writing failed and why.
    process.stderr.write(l10n.t('The report could not be written: {0}', error instanceof Error ? error.message : String(error)) + '\n');
    return 1;
  }
  // A run that hit NaN or Inf stopped early even though the trainer finished cleanly.
  const wentNonFinite = findings.some((finding) => finding.kind === 'nonFinite');
  return finalState.kind === 'failed' || wentNonFinite ? 1 : 0;
}

/**
 * Downloads the dataset, printing progress, or resolves the CSV file, which must lie in the
 * current folder or the model file's folder. Ctrl+C cancels a download. Returns the trainer
 * options, or the message to print when the run cannot start.
 */
async function prepareCliRunData(spec: ModelSpec, filePath: string, cacheDir: string): Promise<Awaited<ReturnType<typeof prepareRunData>> | string> {
  const abort = new AbortController();
  const onInterrupt = (): void => abort.abort();
  let lastLine = '';
  const onProgress = (update: DownloadProgress): void => {
    const line = l10n.t('Downloading {0}: {1} of {2} MB', update.file, (update.receivedBytes / 1e6).toFixed(0), (update.fileBytes / 1e6).toFixed(0));
    if (line !== lastLine) {
      lastLine = line;
      process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`);
    }
  };
  const downloading = await needsDownload(spec, cacheDir);
  if (downloading) {
    process.stdout.write(l10n.t('{0} is downloaded once into {1}.', spec.dataset.name, cacheDir) + '\n');
  }
  process.on('SIGINT', onInterrupt);
  try {
    return await prepareRunData(spec, {
      cacheDir,
      modelFilePath: filePath,
      allowedRoots: [process.cwd(), path.dirname(filePath)],
      signal: abort.signal,
      onProgress,
    });
  } catch (error) {
    if (error instanceof DatasetDownloadError || error instanceof CsvLocationError) {
      return error.message;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    if (downloading && process.stdout.isTTY) {
      process.stdout.write('\n');
    }
  }
}

/** Returns the final state with the diagnosis of its run attached. */
function withFindings(state: PanelState, spec: ModelSpec): PanelState {
  if (state.kind === 'idle' || !state.run) {
    return state;
  }
  return { ...state, run: { ...state.run, findings: diagnose(spec, state.run) } };
}

function writeReport(state: PanelState, args: TrainArguments): void {
  if (state.kind === 'idle') {
    return;
  }
  const jsonPath = args.jsonPath ?? args.reportPath.replace(/\.html?$/i, '') + '.json';
  mkdirSync(path.dirname(args.reportPath), { recursive: true });
  mkdirSync(path.dirname(jsonPath), { recursive: true });

  const html = renderReportHtml({
    state,
    strings: buildPanelStrings(),
    script: readFileSync(path.join(ROOT, 'dist', 'webview.js'), 'utf8'),
    style: readFileSync(path.join(ROOT, 'media', 'panel.css'), 'utf8'),
    lang: language,
  });
  writeFileSync(args.reportPath, html);
  writeFileSync(jsonPath, serializeStatistics(state));
  process.stdout.write(l10n.t('Report: {0}', args.reportPath) + '\n');
  process.stdout.write(l10n.t('Statistics (JSON): {0}', jsonPath) + '\n');
}

/** Picks the output language from --lang, else LC_ALL, LC_MESSAGES or LANG (e.g. `ko_KR.UTF-8`). */
function configureLocalization(requested: string | undefined): void {
  const fromEnvironment = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  language = (requested ?? fromEnvironment).toLowerCase().split(/[._@-]/)[0] || 'en';
  const bundle = localizationBundle();
  if (bundle) {
    l10n.config({ fsPath: bundle });
  } else if (language !== 'en' && requested !== undefined) {
    // Only an explicit --lang warns: a LANG such as fr_FR.UTF-8 quietly gives English.
    process.stderr.write(l10n.t('The language "{0}" is not available, so the output is in English. Use --lang en, ko or vi.', requested) + '\n');
    language = 'en';
  } else {
    language = 'en';
  }
}

function localizationBundle(): string | undefined {
  if (language === 'en') {
    return undefined;
  }
  const bundle = path.join(ROOT, 'l10n', `bundle.l10n.${language}.json`);
  return existsSync(bundle) ? bundle : undefined;
}

function parsePositiveInteger(flag: string, value: string, minimum: number): number | string {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= minimum
    ? parsed
    : l10n.t('Invalid {0} value "{1}". Use a whole number of at least {2}.', flag, value, minimum);
}

function severityLabel(severity: 'error' | 'warning' | 'information'): string {
  switch (severity) {
    case 'error':
      return l10n.t('error');
    case 'warning':
      return l10n.t('warning');
    case 'information':
      return l10n.t('info');
  }
}

function fail(message: string): Promise<number> {
  process.stderr.write(message + '\n');
  return Promise.resolve(2);
}

function usage(): string {
  return [
    l10n.t('Usage: node dist/cli.js train FILE [options]'),
    '',
    l10n.t('Trains the Keras model in FILE (a Python script, model.to_json() output or a TensorFlow.js model.json; parsed, never executed) and writes an HTML report.'),
    '',
    `  --report FILE             ${l10n.t('HTML report to write (default: <file name>-report.html)')}`,
    `  --json FILE               ${l10n.t('statistics as JSON (default: the report path with .json)')}`,
    `  --backend NAME            ${l10n.t('auto, tensorflow, wasm or cpu (default: auto)')}`,
    `  --seed N                  ${l10n.t('random seed (default: 42)')}`,
    `  --max-epochs N            ${l10n.t('upper limit on epochs (default: 100)')}`,
    `  --samples-per-epoch N     ${l10n.t('statistics samples per epoch (default: 25)')}`,
    `  --lang en|ko|vi           ${l10n.t('output language (default: from LANG)')}`,
    `  --force                   ${l10n.t('train even when the model needs more than {0} MB by estimate', DEFAULT_MAX_MODEL_MEMORY_MB)}`,
    `  --cache-dir DIR           ${l10n.t('folder for datasets downloaded on first use (default: {0})', defaultCliCacheDir(process.env, homedir(), process.platform))}`,
    '',
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
