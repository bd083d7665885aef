/**
 * Loads TensorFlow.js with the best backend available: the native tfjs-node when the user
 * installed it, else WebAssembly, else plain JavaScript.
 *
 * tfjs-node brings its own complete copy of tfjs, so the rest of the trainer must use the
 * `tf` namespace returned here and never import tfjs at run time itself. The bundled copies
 * are loaded with `require` inside functions, so they stay uninitialised when tfjs-node wins.
 */
import * as l10n from '@vscode/l10n';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import type { BackendName, BackendPreference } from '../common/trainerProtocol';
import { errorMessage } from './errors';

/** The tfjs API the trainer uses: core ops plus Keras-style layers. */
export type Tf = typeof tfCore & typeof tfLayers;

export interface BackendFallback {
  readonly backend: BackendName;
  readonly reason: string;
}

export interface LoadedTensorFlow {
  readonly tf: Tf;
  readonly backend: BackendName;
  /** Backends tried before `backend`, with the reason each failed. */
  readonly fallbacks: readonly BackendFallback[];
}

/** The wasm binaries `setWasmPaths` may ask for; which one depends on SIMD support. */
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

const CANDIDATES: Record<BackendPreference, readonly BackendName[]> = {
  auto: ['tensorflow', 'wasm', 'cpu'],
  tensorflow: ['tensorflow', 'wasm', 'cpu'],
  wasm: ['wasm', 'cpu'],
  cpu: ['cpu'],
};

/** The bundled tfjs, loaded once per process. */
let bundledTf: Tf | undefined;
let wasmPathsSet = false;

/**
 * Loads tfjs and activates the first backend of `preference` that initialises.
 * @param wasmDir Folder holding the tfjs wasm binaries.
 * @throws Error when no backend initialises, which leaves the trainer nothing to run on.
 */
export async function loadTensorFlow(preference: BackendPreference, wasmDir: string): Promise<LoadedTensorFlow> {
  const fallbacks: BackendFallback[] = [];

  for (const backend of CANDIDATES[preference]) {
    try {
      const tf = await activate(backend, wasmDir);
      return { tf, backend, fallbacks };
    } catch (error) {
      fallbacks.push({ backend, reason: errorMessage(error) });
    }
  }

  const reasons = fallbacks.map((fallback) => `${fallback.backend}: ${fallback.reason}`).join('; ');
  throw new Error(l10n.t('No TensorFlow.js backend could be started ({0}).', reasons));
}

/** Makes `backend` the active one and returns the tfjs namespace that owns it; throws with a localized reason. */
async function activate(backend: BackendName, wasmDir: string): Promise<Tf> {
  switch (backend) {
    case 'tensorflow':
      return activateNative();
    case 'wasm':
      return activateWasm(wasmDir);
    case 'cpu':
      return activateBundled('cpu');
  }
}

async function activateNative(): Promise<Tf> {
  let tf: Tf;
  try {
    // External in the bundle: resolved from the extension folder when the user installed it.
    tf = require('@tensorflow/tfjs-node') as Tf;
  } catch (error) {
    // A missing dependency of an installed tfjs-node is also MODULE_NOT_FOUND, naming that dependency.
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && errorMessage(error).includes("'@tensorflow/tfjs-node'")) {
      throw new Error(l10n.t('@tensorflow/tfjs-node is not installed.'));
    }
    throw new Error(l10n.t('@tensorflow/tfjs-node failed to load: {0}', errorMessage(error)));
  }

  if (!(await tf.setBackend('tensorflow'))) {
    throw new Error(l10n.t('The tfjs-node backend failed to initialise.'));
  }
  await tf.ready();
  return tf;
}

async function activateWasm(wasmDir: string): Promise<Tf> {
  const missing = WASM_BINARIES.filter((name) => !existsSync(path.join(wasmDir, name)));
  if (missing.length > 0) {
    throw new Error(l10n.t('The WebAssembly binaries {0} were not found in {1}.', missing.join(', '), wasmDir));
  }
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') {
    throw new Error(l10n.t('This Node.js runtime has no WebAssembly support.'));
  }

  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof tfWasm;

  // setWasmPaths throws once the backend has initialised, so a second run in the same
  // process (tests, benchmarks) keeps the folder of the first.
  if (!wasmPathsSet) {
    // The prefix must end with a separator because tfjs appends the file name to it.
    wasm.setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
    wasmPathsSet = true;
  }

  // The Emscripten runtime inside tfjs-backend-wasm adds process handlers that rethrow every
  // uncaught exception and unhandled rejection, which would end the trainer before it can
  // report the error to the host. They are removed again once the backend has started.
  const exceptionListeners = new Set(process.listeners('uncaughtException'));
  const rejectionListeners = new Set(process.listeners('unhandledRejection'));
  try {
    return await activateBundled('wasm');
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!exceptionListeners.has(listener)) {
        process.removeListener('uncaughtException', listener);
      }
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejectionListeners.has(listener)) {
        process.removeListener('unhandledRejection', listener);
      }
    }
  }
}

async function activateBundled(backend: 'wasm' | 'cpu'): Promise<Tf> {
  const tf = loadBundled();
  if (!(await tf.setBackend(backend))) {
    throw new Error(l10n.t('The {0} backend failed to initialise.', backend));
  }
  await tf.ready();
  return tf;
}

function loadBundled(): Tf {
  if (!bundledTf) {
    const core = require('@tensorflow/tfjs-core') as typeof tfCore;
    const layers = require('@tensorflow/tfjs-layers') as typeof tfLayers;
    // Registers the cpu backend and its kernels.
    require('@tensorflow/tfjs-backend-cpu');
    bundledTf = { ...core, ...layers };
  }
  return bundledTf;
}
