/**
 * Brings the training panel back after a window reload: VS Code restores the panel through
 * the registered serializer, and the last run's state comes from the workspace storage.
 */
import * as vscode from 'vscode';
import type { PanelState } from '../common/runState';
import type { Logger } from '../logger';
import { deserializePanelState, LAST_RUN_STATE_KEY, serializePanelState } from './serializerState';
import { TrainingPanel } from './trainingPanel';

/** Shortest interval between two saves of a run in progress. */
const SAVE_INTERVAL_MS = 10_000;

/**
 * Registers the serializer for the training panel. `restore` receives each panel VS Code
 * restores (activation event `onWebviewPanel:gradientFlow.training`).
 */
export function registerPanelSerializer(restore: (panel: vscode.WebviewPanel) => void): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(TrainingPanel.viewType, {
    deserializeWebviewPanel: async (panel) => restore(panel),
  });
}

/**
 * The last run's state in `workspaceState`, bounded in size (see serializerState.ts). A run
 * in progress is saved at most every SAVE_INTERVAL_MS; finished and failed states at once.
 */
export class LastRunStore implements vscode.Disposable {
  private waiting: PanelState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSave = 0;

  constructor(
    private readonly storage: vscode.Memento,
    private readonly logger: Logger,
  ) {}

  load(): PanelState | undefined {
    const stored = this.storage.get<unknown>(LAST_RUN_STATE_KEY);
    const state = deserializePanelState(stored);
    if (stored !== undefined && !state) {
      this.logger.warn('Panel', 'The stored state of the last run is not readable by this version and was ignored.');
    }
    return state;
  }

  save(state: PanelState): void {
    if (state.kind === 'training' && Date.now() - this.lastSave < SAVE_INTERVAL_MS) {
      this.waiting = state;
      this.timer ??= setTimeout(() => this.saveWaiting(), SAVE_INTERVAL_MS - (Date.now() - this.lastSave));
      return;
    }
    this.write(state);
  }

  /** Writes a state still waiting for its interval, for shutdown. */
  dispose(): void {
    this.saveWaiting();
  }

  private saveWaiting(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.waiting;
    if (state) {
      this.write(state);
    }
  }

  private write(state: PanelState): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = undefined;
    this.lastSave = Date.now();

    const text = serializePanelState(state);
    if (text === undefined) {
      return;
    }
    this.storage.update(LAST_RUN_STATE_KEY, text).then(undefined, (error: unknown) =>
      this.logger.warn('Panel', `Saving the last run's state failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}
