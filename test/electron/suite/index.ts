/**
 * Entry point that VS Code's extension host calls for `--extensionTestsPath`: runs the
 * suite's tests in Mocha and rejects when any fails.
 */
import Mocha from 'mocha';

export async function run(): Promise<void> {
  // Training one epoch of MNIST takes minutes on a slow machine.
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 600_000 });

  // The test files are bundled into this file, so they are loaded with `describe` and
  // `it` defined instead of being added by path.
  mocha.suite.emit('pre-require', globalThis, 'bundled', mocha);
  await import('./trainModel.test');

  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) {
    throw new Error(`${failures} desktop VS Code test(s) failed.`);
  }
}
