/**
 * The static parser for Keras model files. It reads a Python script with @lezer/python and
 * never executes it: what it cannot evaluate becomes a diagnostic at that line.
 */
import * as l10n from '@vscode/l10n';
import type { ParseDiagnostic, ParseResult } from '../common/modelSpec';
import { ParseContext } from './context';
import { DatasetTracker } from './dataset';
import { LayerNamer } from './layers';
import { buildModelSpec } from './modelSpecBuilder';
import { ModelTracker } from './sequential';
import { checkSourceLimits } from './sourceLimits';
import { StatementReader } from './statements';
import { PythonSource } from './syntax';
import { reportSyntaxErrors } from './syntaxErrors';

export type { ParserDiagnosticCode } from './diagnostics';

/**
 * Parses a Keras script into a `ModelSpec`. Never throws: every failure, including a bug
 * in the parser, comes back as a diagnostic. `spec` is undefined when any diagnostic is an
 * error.
 */
export function parseModelFile(text: string, fileName: string): ParseResult {
  try {
    const limit = checkSourceLimits(text);
    if (limit) {
      return { diagnostics: [limit] };
    }

    const source = new PythonSource(text);
    const context = new ParseContext(source);

    // Python runs nothing from a file with a syntax error, and readings of the broken
    // part would only add noise, so the syntax errors are all that is reported.
    if (reportSyntaxErrors(context)) {
      return { diagnostics: context.sink.diagnostics };
    }

    const dataset = new DatasetTracker(context);
    const namer = new LayerNamer();
    const models = new ModelTracker(context, dataset, namer);
    const reader = new StatementReader(context, models, dataset, namer);
    reader.readModule(source.root);
    reader.graph.reportUnusedLayers();

    const spec = buildModelSpec(context, models, dataset, baseName(fileName));
    return { spec, diagnostics: context.sink.diagnostics };
  } catch (error) {
    return { diagnostics: [internalError(error)] };
  }
}

function internalError(error: unknown): ParseDiagnostic {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    severity: 'error',
    code: 'internal-error',
    range: { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0 },
    message: l10n.t('Gradient Flow could not read this file because of an internal error ({0}). Please report it with the file attached.', detail),
  };
}

function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1] || fileName;
}
