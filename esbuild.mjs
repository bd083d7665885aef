// Bundles every part of the extension into dist/. esbuild does not type-check: `npm run
// typecheck` does. Flags: --production minifies and drops source maps, --watch rebuilds.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  logLevel: 'warning',
  legalComments: 'linked',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // tfjs-node is optional and native: it is loaded at run time when the user installed it.
  external: ['vscode', '@tensorflow/tfjs-node'],
  // jsonc-parser's `main` is a UMD build whose dynamic `require('./impl/format')` esbuild
  // cannot follow, so the bundles take its ES module build instead.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

const builds = [
  // Extension host entry point, loaded by VS Code.
  { ...nodeCommon, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  // Trainer process, forked by the extension host and by the CLI.
  { ...nodeCommon, entryPoints: ['src/trainer/main.ts'], outfile: 'dist/trainer.js' },
  // Command-line interface behind `npm run demo`.
  { ...nodeCommon, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  // Benchmark behind `npm run bench`.
  { ...nodeCommon, entryPoints: ['src/bench/main.ts'], outfile: 'dist/bench.js' },
  // Training panel, runs in the webview (and inlined into HTML reports).
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    tsconfig: 'webview/tsconfig.json',
  },
  // Desktop VS Code test runner and its mocha suite, for machines that can download VS Code.
  {
    ...nodeCommon,
    external: [...nodeCommon.external, '@vscode/test-electron'],
    entryPoints: ['test/electron/runTests.ts'],
    outfile: 'dist/test/electron/runTests.js',
  },
  {
    ...nodeCommon,
    external: [...nodeCommon.external, 'mocha'],
    entryPoints: ['test/electron/suite/index.ts'],
    outfile: 'dist/test/electron/suite/index.js',
  },
];

/** Copies the tfjs wasm binaries next to the trainer bundle, where it looks for them. */
function copyWasmBinaries() {
  const source = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  mkdirSync('dist/wasm', { recursive: true });
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    cpSync(path.join(source, 'dist', name), path.join('dist/wasm', name));
  }
}

copyWasmBinaries();
if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
