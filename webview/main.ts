/**
 * Entry point of the panel bundle. In a VS Code webview it talks to the host; in an HTML
 * report it renders the state embedded in the page and has no host at all.
 */
import type { ColorScheme } from './colorScale';
import { answerExportRequest, ExportMenu } from './exportMenu';
import { fillTemplate } from './format';
import { decodePanelState, parseHostMessage } from './hostMessages';
import { PanelApp, type PanelHost } from './panelApp';
import type { PanelStrings } from '../src/common/panelStrings';
import { REPORT_DATA_ELEMENT_ID } from '../src/common/reportData';
import type { StatisticKey } from '../src/common/statistics';
import type { WebviewToHost } from '../src/common/webviewProtocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Provided by VS Code inside webviews; callable once per page. */
declare function acquireVsCodeApi(): VsCodeApi;

interface SavedUiState {
  readonly statistic?: StatisticKey;
  readonly colorScheme?: ColorScheme;
}

function appRoot(): HTMLElement {
  const existing = document.getElementById('app');
  if (existing) {
    return existing;
  }
  const root = document.body.appendChild(document.createElement('div'));
  root.id = 'app';
  return root;
}

function startReport(dataElement: HTMLElement): void {
  const data = JSON.parse(dataElement.textContent ?? '{}') as { state?: unknown; strings?: PanelStrings };
  const state = decodePanelState(data.state);
  if (!state || !data.strings) {
    throw new Error(`The report data in #${REPORT_DATA_ELEMENT_ID} has no valid state or strings.`);
  }

  const host: PanelHost = {
    interactive: false,
    post: () => undefined,
    restoreStatistic: () => undefined,
    saveStatistic: () => undefined,
  };
  const app = new PanelApp(appRoot(), host, document.documentElement.lang || 'en');
  app.setState(state, data.strings);
  if (state.kind !== 'idle' && state.run) {
    document.title = fillTemplate(data.strings.reportTitle, state.run.fileName);
  }
}

function startWebview(): void {
  const vscode = acquireVsCodeApi();
  const saved = (vscode.getState() ?? {}) as SavedUiState;
  // Merged into the latest saved state, so saving one choice keeps the other.
  const save = (change: SavedUiState): void => vscode.setState({ ...((vscode.getState() ?? {}) as SavedUiState), ...change });
  const host: PanelHost = {
    interactive: true,
    post: (message) => vscode.postMessage(message),
    restoreStatistic: () => saved.statistic,
    saveStatistic: (statistic) => save({ statistic }),
    restoreColorScheme: () => saved.colorScheme,
    saveColorScheme: (colorScheme) => save({ colorScheme }),
  };
  const root = appRoot();
  const app = new PanelApp(root, host, document.documentElement.lang || 'en');
  const titleRow = root.querySelector<HTMLElement>('.header-title-row') ?? root;
  const exportMenu = new ExportMenu(titleRow, titleRow.querySelector('.stop-button'), root, host.post);

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = parseHostMessage(event.data);
    switch (message?.type) {
      case 'setState':
        app.setState(message.state, message.strings);
        exportMenu.render(message.strings, message.state.kind !== 'idle' && (message.state.run?.layers.length ?? 0) > 0);
        break;
      case 'update':
        app.applyUpdate(message.update);
        break;
      case 'exportRequest':
        void answerExportRequest(root, message, host.post);
        break;
      default:
        break;
    }
  });

  // Only now can the host's answer be received, so only now say so.
  host.post({ type: 'ready' });
}

const reportData = document.getElementById(REPORT_DATA_ELEMENT_ID);
if (reportData) {
  startReport(reportData);
} else {
  startWebview();
}
