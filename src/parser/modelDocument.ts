/**
 * The entry point for every model file: Python scripts go to the static Python parser, and
 * JSON model descriptions (Keras `model.to_json()` output, TensorFlow.js `model.json`) to the
 * JSON reader.
 */
import type { ParseResult } from '../common/modelSpec';
import { parseModelFile } from './index';
import { parseKerasJson } from './kerasJson';

/** Python file extensions, which go to the Python parser whatever the text starts with. */
const PYTHON_EXTENSIONS = ['.py', '.pyw', '.ipy'];

/** Parses a model file of either kind into a `ModelSpec`. Never throws. */
export function parseModelDocument(text: string, fileName: string): ParseResult {
  return isJsonModelDocument(text, fileName) ? parseKerasJson(text, fileName) : parseModelFile(text, fileName);
}

/**
 * True for a `.json` file, and for a file of another or no extension whose first character
 * other than white space is `{`, which no Keras script starts with.
 */
export function isJsonModelDocument(text: string, fileName: string): boolean {
  const lowerName = typeof fileName === 'string' ? fileName.toLowerCase() : '';
  if (PYTHON_EXTENSIONS.some((extension) => lowerName.endsWith(extension))) {
    return false;
  }
  if (lowerName.endsWith('.json')) {
    return true;
  }
  if (typeof text !== 'string') {
    return false;
  }
  const first = text.search(/[^\s\uFEFF]/);
  return first >= 0 && text[first] === '{';
}
