/**
 * The diagnosis of a training run as it grows. It runs at most once per interval while
 * samples arrive and once more when the run ends, and it passes the findings on only when
 * they differ from the last ones passed on.
 */
import type { Finding } from '../common/findings';
import type { ModelSpec } from '../common/modelSpec';
import type { RunSnapshot } from '../common/runState';
import { diagnose } from '../diagnosis';

/** Shortest time between two diagnoses of a running run. */
export const DIAGNOSIS_INTERVAL_MS = 500;

export type Diagnose = (spec: ModelSpec, run: RunSnapshot) => Finding[];

export class FindingsTracker {
  private latestRun: RunSnapshot | undefined;
  private lastRunAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private publishedKey: string | undefined;
  private current: readonly Finding[] = [];
  private finished = false;

  /**
   * @param publish Receives the findings whenever they differ from the last ones published.
   * @param intervalMs Shortest time between two diagnoses while the run goes on.
   */
  constructor(
    private readonly spec: ModelSpec,
    private readonly publish: (findings: readonly Finding[]) => void,
    private readonly intervalMs = DIAGNOSIS_INTERVAL_MS,
    private readonly diagnoseRun: Diagnose = diagnose,
  ) {}

  get findings(): readonly Finding[] {
    return this.current;
  }

  /** Notes the run after a new sample or epoch; diagnoses now or when the interval has passed. */
  observe(run: RunSnapshot): void {
    if (this.finished) {
      return;
    }
    this.latestRun = run;
    if (this.timer !== undefined) {
      return;
    }
    const wait = this.lastRunAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.runDiagnosis();
    } else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.runDiagnosis();
      }, wait);
    }
  }

  /** Diagnoses the final run at once; later observations are ignored. */
  finish(run: RunSnapshot): void {
    this.cancelTimer();
    this.latestRun = run;
    this.runDiagnosis();
    this.finished = true;
  }

  dispose(): void {
    this.cancelTimer();
    this.finished = true;
  }

  private cancelTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private runDiagnosis(): void {
    const run = this.latestRun;
    if (!run) {
      return;
    }
    this.lastRunAt = performance.now();
    const findings = this.diagnoseRun(this.spec, run);

    // Findings are plain data, so comparing their JSON text detects any change.
    const key = JSON.stringify(findings);
    if (key !== this.publishedKey) {
      this.publishedKey = key;
      this.current = findings;
      this.publish(findings);
    }
  }
}
