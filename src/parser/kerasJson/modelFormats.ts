/**
 * Finds the model inside the JSON formats that describe Keras models:
 *
 * - `model.to_json()` of Keras 3: `{"module": "keras", "class_name": "Sequential", "config": {...},
 *   "build_config": {...}, "compile_config": {...}}` (compile_config only for compiled models);
 * - `model.to_json()` of Keras 2 and tf.keras: `{"class_name": ..., "config": ..., "keras_version": "2.15.0"}`;
 * - a TensorFlow.js layers model.json: `{"format": "layers-model", "modelTopology": ..., "weightsManifest": [...]}`,
 *   where `modelTopology` is the Keras 2 form, or wraps it as `{"model_config": ..., "training_config": ...}`
 *   when the Python converter wrote it, and tfjs's own `save()` puts the training config in `trainingConfig`;
 * - a bare `model.get_config()`: `{"name": ..., "layers": [...]}`;
 * - Keras before 2.2.5, whose Sequential `config` is the list of layers itself.
 */
import * as l10n from '@vscode/l10n';
import type { Node } from 'jsonc-parser';
import { isObjectNode, propertyNode, propertyValue, stringProperty, type JsonDiagnostics } from './jsonDocument';

/** Where a training configuration came from, which decides the spelling of its optimizer keys. */
export type TrainingConfigDialect = 'keras3' | 'keras2' | 'tfjs';

export interface TrainingConfigNode {
  readonly node: Node;
  readonly dialect: TrainingConfigDialect;
}

export interface ModelDescription {
  readonly sourceFormat: 'keras-json' | 'tfjs';
  readonly topology: 'sequential' | 'functional';
  /** The node diagnostics about the whole model point at: its `class_name` property, or the object. */
  readonly anchor: Node;
  /** The model's `config`, which contains `layers` and, for a Functional model, `input_layers` and `output_layers`. */
  readonly config: Node;
  /** The array of serialized layers; undefined when the model has none. */
  readonly layers?: Node;
  /** Keras 3 `build_config` of the model, whose `input_shape` a built Sequential model records. */
  readonly buildConfig?: Node;
  readonly training?: TrainingConfigNode;
  /** The `weightsManifest` property of a tfjs model.json. */
  readonly weightsManifest?: Node;
}

const SEQUENTIAL_CLASSES = new Set(['Sequential']);
/** Keras 2 and 3 write `Functional`; tfjs and Keras before 2.4 write `Model`. */
const FUNCTIONAL_CLASSES = new Set(['Functional', 'Model']);

/** Returns the model the JSON describes, or undefined after reporting why there is none. */
export function findModel(root: Node, sink: JsonDiagnostics): ModelDescription | undefined {
  if (!isObjectNode(root)) {
    reportNotAModel(root, sink);
    return undefined;
  }

  const format = stringProperty(root, 'format');
  const modelTopology = propertyValue(root, 'modelTopology');
  if (format === 'graph-model') {
    sink.error(
      'unsupported-model',
      propertyNode(root, 'format') ?? root,
      l10n.t('This model.json is a TensorFlow.js graph model, which holds TensorFlow operations and no Keras layers. Convert the Keras model with tensorflowjs_converter --output_format=tfjs_layers_model, or open its model.to_json() output.'),
    );
    return undefined;
  }
  if (modelTopology !== undefined) {
    return readTfjsModel(root, modelTopology, sink);
  }

  const training = trainingConfigOf(root);
  return readKerasModel(root, 'keras-json', training, sink);
}

function readTfjsModel(root: Node, modelTopology: Node, sink: JsonDiagnostics): ModelDescription | undefined {
  if (!isObjectNode(modelTopology)) {
    reportNotAModel(modelTopology, sink);
    return undefined;
  }
  // The Python converter nests the Keras JSON in model_config, beside training_config.
  const wrapped = propertyValue(modelTopology, 'model_config');
  const model = isObjectNode(wrapped) ? wrapped : modelTopology;
  const tfjsTraining = propertyValue(root, 'trainingConfig');
  const training: TrainingConfigNode | undefined = isObjectNode(tfjsTraining)
    ? { node: tfjsTraining, dialect: 'tfjs' }
    : trainingConfigOf(modelTopology);
  const description = readKerasModel(model, 'tfjs', training, sink);
  return description && { ...description, weightsManifest: propertyNode(root, 'weightsManifest') };
}

function readKerasModel(
  model: Node,
  sourceFormat: ModelDescription['sourceFormat'],
  training: TrainingConfigNode | undefined,
  sink: JsonDiagnostics,
): ModelDescription | undefined {
  const className = stringProperty(model, 'class_name');
  const config = propertyValue(model, 'config');
  const classNode = propertyNode(model, 'class_name');

  // A bare get_config(): the layers sit at the top level.
  if (className === undefined && propertyValue(model, 'layers')?.type === 'array') {
    const topology = propertyValue(model, 'input_layers') !== undefined ? 'functional' : 'sequential';
    return { sourceFormat, topology, anchor: propertyNode(model, 'layers') ?? model, config: model, layers: propertyValue(model, 'layers'), training };
  }
  if (className === 'Sequential' && config?.type === 'array') {
    return { sourceFormat, topology: 'sequential', anchor: classNode ?? model, config, layers: config, training };
  }
  if (className === undefined || !isObjectNode(config)) {
    reportNotAModel(model, sink);
    return undefined;
  }

  const topology = SEQUENTIAL_CLASSES.has(className) ? 'sequential' : FUNCTIONAL_CLASSES.has(className) ? 'functional' : undefined;
  if (!topology) {
    sink.error(
      'unsupported-model',
      classNode ?? model,
      l10n.t('This JSON describes a `{0}`, not a Keras Sequential or Functional model, so it holds no layer graph that Gradient Flow can train. Save a Sequential or Functional model with model.to_json().', className),
    );
    return undefined;
  }
  const keras3Training = propertyValue(model, 'compile_config');
  return {
    sourceFormat,
    topology,
    anchor: classNode ?? model,
    config,
    layers: propertyValue(config, 'layers'),
    buildConfig: propertyValue(model, 'build_config'),
    training: isObjectNode(keras3Training) ? { node: keras3Training, dialect: 'keras3' } : training,
  };
}

function trainingConfigOf(object: Node): TrainingConfigNode | undefined {
  const node = propertyValue(object, 'training_config');
  return isObjectNode(node) ? { node, dialect: 'keras2' } : undefined;
}

function reportNotAModel(at: Node, sink: JsonDiagnostics): void {
  sink.error(
    'model-missing',
    at,
    l10n.t('This JSON file does not describe a Keras model: it has no "class_name" with a "config" of layers. Open the output of model.to_json(), or a TensorFlow.js model.json.'),
  );
}
