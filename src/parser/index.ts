/**
 * The static parser for Keras model files. It reads a Python script with @lezer/python and
 * never executes it: what it cannot evaluate becomes a diagnostic at that line.
 */
import type { ParseResult } from '../common/modelSpec';
import { ParseContext } from './context';
import { DatasetTracker } from './dataset';
import { LayerNamer } from './layers';
import { buildModelSpec } from './modelSpecBuilder';
import { ModelTracker } from './sequential';
import { checkSourceLimits } from './sourceLimits';
import { StatementReader } from './statements';
import { baseName, internalError } from './parseFailures';
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
