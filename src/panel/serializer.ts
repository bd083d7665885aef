/**
 * Brings the training panel back after a window reload: VS Code restores the panel through
 * the registered serializer, and the last run's state comes from the workspace storage.
 */
import * as vscode from 'vscode';
import type { PanelState } from '../common/runState';
import type { Logger } from '../logger';
import { deserializePanelState, LAST_RUN_STATE_KEY, serializePanelState } from './serializerState';
import { TrainingPanel } from './trainingPanel';

/**
 * Shortest interval between two saves of a run in progress. A reload in VS Code for the Web
 * (code-server 4.139) ends the extension host after its storage channel has closed, so a
 * save in `deactivate` cannot be relied on there. A reload loses at most this much of the run.
 */
const SAVE_INTERVAL_MS = 2_000;

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

  /** Saves `state`, a run in progress no sooner than SAVE_INTERVAL_MS after the last save. */
  save(state: PanelState): void {
    const wait = SAVE_INTERVAL_MS - (Date.now() - this.lastSave);
    if (state.kind === 'training' && wait > 0) {
      this.waiting = state;
      this.timer ??= setTimeout(() => void this.saveWaiting(), wait);
      return;
    }
    void this.write(state);
  }

  /**
   * Writes `state` at once and resolves when the storage has it. `deactivate` awaits this,
   * because the extension host may end right after deactivation.
   */
  saveNow(state: PanelState): Promise<void> {
    return this.write(state);
  }

  /** Writes a state still waiting for its interval. */
  dispose(): void {
    void this.saveWaiting();
  }

  private saveWaiting(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.waiting;
    return state ? this.write(state) : Promise.resolve();
  }

  private async write(state: PanelState): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = undefined;
    this.lastSave = Date.now();

    const text = serializePanelState(state);
    if (text === undefined) {
      return;
    }
    try {
      await this.storage.update(LAST_RUN_STATE_KEY, text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      try {
        this.logger.warn('Panel', `Saving the last run's state failed: ${reason}`);
      } catch {
        // During shutdown the log channel may be closed as well; nothing is left to tell.
      }
    }
  }
}
