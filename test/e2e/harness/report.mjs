/**
 * Named test cases of an end-to-end run, with a closing `N passed, N failed` line.
 */

/** Thrown by `step` after recording a failure, so the scenario stops at that point. */
export class ScenarioAborted extends Error {
  constructor(stepName) {
    super(`Scenario stopped because "${stepName}" failed.`);
    this.name = 'ScenarioAborted';
  }
}

export class TestReport {
  passed = 0;
  failed = 0;

  /**
   * Runs a check that later steps depend on. Returns what `body` returns; on failure records
   * it and throws ScenarioAborted.
   */
  async step(name, body) {
    try {
      const value = await body();
      this.pass(name);
      return value;
    } catch (error) {
      this.fail(name, error);
      throw new ScenarioAborted(name);
    }
  }

  /** Runs a check that nothing else depends on; a failure is recorded and the run goes on. */
  async check(name, body) {
    try {
      await body();
      this.pass(name);
      return true;
    } catch (error) {
      this.fail(name, error);
      return false;
    }
  }

  pass(name) {
    this.passed += 1;
    console.log(`  ✓ ${name}`);
  }

  fail(name, error) {
    this.failed += 1;
    const message = error instanceof Error ? error.message : String(error);
    console.log(`  ✗ ${name}\n      ${message.split('\n').join('\n      ')}`);
  }

  /** Prints the closing line that CI reads; it must stay alone on its line. */
  printSummary() {
    console.log(`${this.passed} passed, ${this.failed} failed`);
  }
}
