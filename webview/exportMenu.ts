/**
 * The Export menu in the panel header, and the replies to the host's export requests. Images
 * are rendered here and posted to the host, which asks where to save them; statistics are
 * only requested, because the host writes them from its own copy of the run.
 */
import {
  EXPORT_FIGURES,
  IMAGE_FORMATS,
  STATISTICS_FORMATS,
  type ExportFigure,
  type ExportRequestMessage,
  type ImageFormat,
  type StatisticsFormat,
} from '../src/common/exportProtocol';
import type { PanelStrings } from '../src/common/panelStrings';
import type { WebviewToHost } from '../src/common/webviewProtocol';
import { FigureExportError, renderFigure } from './exportFigure';

type MenuChoice =
  | { readonly kind: 'image'; readonly figure: ExportFigure; readonly format: ImageFormat }
  | { readonly kind: 'statistics'; readonly format: StatisticsFormat };

const MENU_CHOICES: readonly MenuChoice[] = [
  ...EXPORT_FIGURES.flatMap((figure) => IMAGE_FORMATS.map((format): MenuChoice => ({ kind: 'image', figure, format }))),
  ...STATISTICS_FORMATS.map((format): MenuChoice => ({ kind: 'statistics', format })),
];

function choiceId(choice: MenuChoice): string {
  return choice.kind === 'image' ? `${choice.figure}-${choice.format}` : choice.format;
}

function choiceLabel(choice: MenuChoice, strings: PanelStrings): string {
  return choice.kind === 'image' ? strings.exportMenu.images[choice.figure][choice.format] : strings.exportMenu.statistics[choice.format];
}

/**
 * Renders `figure` and posts it. On failure it posts `exportFailed`, so that the host can
 * report the reason. `requestId` is set when the host requested the image.
 */
export async function exportFigure(
  root: HTMLElement,
  figure: ExportFigure,
  format: ImageFormat,
  post: (message: WebviewToHost) => void,
  requestId?: number,
): Promise<void> {
  const request = requestId === undefined ? {} : { requestId };
  try {
    const { data } = await renderFigure(root, figure, format);
    post({ type: 'exportImage', figure, format, data, ...request });
  } catch (error) {
    const reason = error instanceof FigureExportError ? error.reason : 'renderFailed';
    const detail = error instanceof Error ? error.message : String(error);
    post({ type: 'exportFailed', figure, reason, detail, ...request });
  }
}

/** Replies to an `exportRequest` from the host. */
export function answerExportRequest(root: HTMLElement, request: ExportRequestMessage, post: (message: WebviewToHost) => void): Promise<void> {
  return exportFigure(root, request.figure, request.format, post, request.requestId);
}

/**
 * A menu button with its list of formats, following the WAI-ARIA menu button pattern: Enter,
 * Space or Arrow Down opens it on the first item, the arrow keys, Home and End move between
 * items, Escape closes it and returns focus to the button, and Tab or a click elsewhere closes it.
 */
export class ExportMenu {
  readonly root: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly list: HTMLElement;
  private readonly items: HTMLButtonElement[] = [];

  constructor(
    parent: HTMLElement,
    before: Element | null,
    private readonly appRoot: HTMLElement,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    this.root = document.createElement('div');
    this.root.className = 'export-menu';
    parent.insertBefore(this.root, before);

    this.button = this.root.appendChild(document.createElement('button'));
    this.button.type = 'button';
    this.button.className = 'export-button';
    this.button.id = 'gradient-flow-export-button';
    this.button.setAttribute('aria-haspopup', 'menu');
    this.button.setAttribute('aria-expanded', 'false');
    this.button.setAttribute('aria-controls', 'gradient-flow-export-list');

    this.list = this.root.appendChild(document.createElement('div'));
    this.list.className = 'export-list';
    this.list.id = 'gradient-flow-export-list';
    this.list.setAttribute('role', 'menu');
    this.list.setAttribute('aria-labelledby', this.button.id);
    this.list.hidden = true;

    for (const choice of MENU_CHOICES) {
      const item = this.list.appendChild(document.createElement('button'));
      item.type = 'button';
      item.className = 'export-item';
      item.dataset.export = choiceId(choice);
      item.setAttribute('role', 'menuitem');
      item.tabIndex = -1;
      item.addEventListener('click', () => this.choose(choice));
      this.items.push(item);
    }

    this.button.addEventListener('click', () => (this.list.hidden ? this.open(0) : this.close(true)));
    this.button.addEventListener('keydown', (event) => this.onButtonKey(event));
    this.list.addEventListener('keydown', (event) => this.onListKey(event));
    document.addEventListener('pointerdown', (event) => {
      if (!this.list.hidden && event.target instanceof Node && !this.root.contains(event.target)) {
        this.close(false);
      }
    });
    this.root.addEventListener('focusout', (event) => {
      if (!this.list.hidden && !(event.relatedTarget instanceof Node && this.root.contains(event.relatedTarget))) {
        this.close(false);
      }
    });
  }

  /** Sets the labels; the menu is offered only while there is a run to export. */
  render(strings: PanelStrings, hasRun: boolean): void {
    this.button.textContent = strings.exportMenu.menu;
    this.button.title = strings.exportMenu.menuHint;
    MENU_CHOICES.forEach((choice, index) => {
      this.items[index].textContent = choiceLabel(choice, strings);
    });
    this.root.hidden = !hasRun;
    if (!hasRun) {
      this.close(false);
    }
  }

  private open(focusIndex: number): void {
    this.list.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.focusItem(focusIndex);
  }

  private close(returnFocus: boolean): void {
    this.list.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (returnFocus) {
      this.button.focus();
    }
  }

  private focusItem(index: number): void {
    const count = this.items.length;
    this.items[((index % count) + count) % count].focus();
  }

  private onButtonKey(event: KeyboardEvent): void {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      this.open(event.key === 'ArrowDown' ? 0 : this.items.length - 1);
    }
  }

  private onListKey(event: KeyboardEvent): void {
    const current = this.items.indexOf(document.activeElement as HTMLButtonElement);
    switch (event.key) {
      case 'ArrowDown':
        this.focusItem(current + 1);
        break;
      case 'ArrowUp':
        this.focusItem(current - 1);
        break;
      case 'Home':
        this.focusItem(0);
        break;
      case 'End':
        this.focusItem(this.items.length - 1);
        break;
      case 'Escape':
        this.close(true);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  private choose(choice: MenuChoice): void {
    this.close(true);
    if (choice.kind === 'statistics') {
      this.post({ type: 'exportStatistics', format: choice.format });
    } else {
      void exportFigure(this.appRoot, choice.figure, choice.format, this.post);
    }
  }
}
