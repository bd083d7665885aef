/**
 * The colour scale choice beside the legend: viridis or cividis. Like the statistic switch,
 * the buttons are created once and only their state changes between renders.
 */
import type { PanelStrings } from '../src/common/panelStrings';
import { COLOR_SCHEMES, type ColorScheme } from './colorScale';

export interface ColorSchemeSwitchElements {
  readonly root: HTMLElement;
  readonly label: HTMLElement;
  readonly buttons: ReadonlyMap<ColorScheme, HTMLButtonElement>;
}

export function createColorSchemeSwitch(parent: HTMLElement, select: (scheme: ColorScheme) => void): ColorSchemeSwitchElements {
  const root = parent.appendChild(document.createElement('div'));
  root.className = 'color-scheme-switch';
  root.setAttribute('role', 'group');
  const label = root.appendChild(document.createElement('span'));
  label.className = 'color-scheme-label';
  label.id = 'gradient-flow-color-scheme-label';
  root.setAttribute('aria-labelledby', label.id);

  const buttons = new Map<ColorScheme, HTMLButtonElement>();
  for (const scheme of COLOR_SCHEMES) {
    const button = root.appendChild(document.createElement('button'));
    button.type = 'button';
    button.className = 'color-scheme-button';
    button.dataset.colorScheme = scheme;
    button.addEventListener('click', () => select(scheme));
    buttons.set(scheme, button);
  }
  return { root, label, buttons };
}

export function renderColorSchemeSwitch(elements: ColorSchemeSwitchElements, selected: ColorScheme, strings: PanelStrings): void {
  const text = strings.accessibility;
  elements.label.textContent = text.colorScheme;
  const names: Record<ColorScheme, { label: string; hint: string }> = {
    viridis: { label: text.viridis, hint: text.viridisHint },
    cividis: { label: text.cividis, hint: text.cividisHint },
  };
  for (const [scheme, button] of elements.buttons) {
    button.textContent = names[scheme].label;
    button.title = names[scheme].hint;
    button.setAttribute('aria-pressed', String(scheme === selected));
  }
}
