/**
 * The row of buttons that picks the heatmap statistic. The buttons are created once and only
 * their state changes, so focus and a click in progress survive every redraw.
 */
import type { PanelStrings } from '../src/common/panelStrings';
import { STATISTIC_KEYS, type StatisticKey } from '../src/common/statistics';

export interface StatisticSwitchElements {
  readonly root: HTMLElement;
  readonly buttons: ReadonlyMap<StatisticKey, HTMLButtonElement>;
}

export function createStatisticSwitch(parent: HTMLElement, select: (key: StatisticKey) => void): StatisticSwitchElements {
  const root = parent.appendChild(document.createElement('div'));
  root.className = 'statistic-switch';
  root.setAttribute('role', 'group');

  const buttons = new Map<StatisticKey, HTMLButtonElement>();
  for (const key of STATISTIC_KEYS) {
    const button = root.appendChild(document.createElement('button'));
    button.type = 'button';
    button.className = 'statistic-button';
    button.dataset.statistic = key;
    button.addEventListener('click', () => select(key));
    buttons.set(key, button);
  }
  return { root, buttons };
}

export function renderStatisticSwitch(elements: StatisticSwitchElements, selected: StatisticKey, strings: PanelStrings): void {
  elements.root.setAttribute('aria-label', strings.statisticSwitch);
  for (const [key, button] of elements.buttons) {
    button.textContent = strings.statistics[key].label;
    button.title = strings.statistics[key].description;
    button.setAttribute('aria-pressed', String(key === selected));
  }
}
