/**
 * The findings list above the heatmap: each finding's title, explanation, the numbers behind
 * it and the fixes it offers. Selecting a finding (click, Enter or Space; arrow keys move
 * between findings, Escape clears) highlights its layers' rows in the heatmap. After a run,
 * the Train again and compare button sits here too.
 */
import { select } from 'd3';
import type { Evidence, Finding, FindingKind } from '../src/common/findings';
import type { PanelStrings } from '../src/common/panelStrings';
import type { PanelState } from '../src/common/runState';
import { fillTemplate, formatInteger, formatStatistic } from './format';

export interface FindingsView {
  readonly state: PanelState;
  readonly strings: PanelStrings;
  readonly locale: string;
  /** False in reports, which have no host to train again. */
  readonly interactive: boolean;
}

export class FindingsList {
  readonly root: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly trainAgain: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private readonly list: HTMLUListElement;
  private findings: readonly Finding[] = [];
  private selected: FindingKind | undefined;

  /**
   * @param onSelect Receives the layers of the selected finding, or none when the selection is cleared.
   * @param onTrainAgain Called when the user presses Train again and compare.
   */
  constructor(
    parent: HTMLElement,
    before: Element | null,
    private readonly onSelect: (specIndexes: readonly number[]) => void,
    onTrainAgain: () => void,
  ) {
    this.root = parent.insertBefore(document.createElement('section'), before);
    this.root.className = 'findings-section';
    const toolbar = this.root.appendChild(document.createElement('div'));
    toolbar.className = 'findings-toolbar';
    this.heading = toolbar.appendChild(document.createElement('h2'));
    this.heading.className = 'findings-heading';
    this.heading.id = 'findings-heading';
    this.root.setAttribute('aria-labelledby', this.heading.id);
    this.trainAgain = toolbar.appendChild(document.createElement('button'));
    this.trainAgain.type = 'button';
    this.trainAgain.className = 'train-again-button';
    this.trainAgain.addEventListener('click', onTrainAgain);
    this.hint = this.root.appendChild(document.createElement('p'));
    this.hint.className = 'findings-hint';
    this.list = this.root.appendChild(document.createElement('ul'));
    this.list.className = 'findings-list';
    this.list.addEventListener('keydown', (event) => this.moveFocus(event));
  }

  /** Layers of the selected finding, as indexes into `ModelSpec.layers`. */
  get selectedSpecIndexes(): readonly number[] {
    return this.findings.find((finding) => finding.kind === this.selected)?.specIndexes ?? [];
  }

  render(view: FindingsView): void {
    const { state, strings } = view;
    // Runs the host never diagnosed, such as reports without findings, get no list at all.
    const run = state.kind === 'idle' ? undefined : state.run;
    this.root.hidden = run?.findings === undefined || run.layers.length === 0;
    if (!run?.findings) {
      return;
    }

    this.findings = run.findings;
    if (this.selected !== undefined && !this.findings.some((finding) => finding.kind === this.selected)) {
      this.selected = undefined;
      this.onSelect([]);
    }

    this.heading.textContent = strings.findings.heading;
    this.trainAgain.textContent = strings.compare.trainAgain;
    this.trainAgain.title = strings.compare.trainAgainHint;
    this.trainAgain.hidden = !(view.interactive && state.kind === 'finished');
    this.hint.textContent = this.findings.length === 0 ? strings.findings.none : strings.findings.selectHint;
    this.renderItems(view);
  }

  private renderItems(view: FindingsView): void {
    const { strings, locale } = view;
    const stepsPerEpoch = view.state.kind === 'idle' ? 1 : Math.max(1, view.state.run?.stepsPerEpoch ?? 1);

    const items = select(this.list)
      .selectAll<HTMLLIElement, Finding>('li.finding')
      .data(this.findings, (finding) => finding.kind)
      .join((enter) => {
        const item = enter.append('li').attr('class', 'finding');
        const button = item.append('button').attr('type', 'button').attr('class', 'finding-title');
        button.append('span').attr('class', 'finding-severity');
        button.append('span').attr('class', 'finding-title-text');
        const details = item.append('div').attr('class', 'finding-details');
        details.append('p').attr('class', 'finding-explanation');
        details.append('p').attr('class', 'finding-since');
        details.append('h3').attr('class', 'finding-evidence-heading');
        details.append('table').attr('class', 'finding-evidence').append('tbody');
        details.append('h3').attr('class', 'finding-fixes-heading');
        details.append('ul').attr('class', 'finding-fixes');
        details.append('p').attr('class', 'finding-fixes-hint');
        return item;
      })
      .attr('data-kind', (finding) => finding.kind)
      .attr('data-severity', (finding) => finding.severity)
      .classed('is-selected', (finding) => finding.kind === this.selected);

    items
      .select<HTMLButtonElement>('button.finding-title')
      .attr('aria-pressed', (finding) => String(finding.kind === this.selected))
      .on('click', (_event: MouseEvent, finding) => this.toggle(finding));
    items.select('.finding-severity').text((finding) => (finding.severity === 'error' ? strings.findings.error : strings.findings.warning));
    items.select('.finding-title-text').text((finding) => finding.title);
    items.select('.finding-explanation').text((finding) => finding.explanation);
    items
      .select('.finding-since')
      .text((finding) =>
        fillTemplate(strings.findings.since, formatInteger(finding.firstStep + 1, locale), formatInteger(Math.floor(finding.firstStep / stepsPerEpoch) + 1, locale)),
      );

    items.select('.finding-evidence-heading').text(strings.findings.evidence);
    items
      .select('table.finding-evidence tbody')
      .selectAll<HTMLTableRowElement, Evidence>('tr')
      .data((finding) => finding.evidence)
      .join((enter) => {
        const row = enter.append('tr');
        row.append('td').attr('class', 'evidence-label');
        row.append('td').attr('class', 'evidence-value');
        return row;
      })
      .call((rows) => rows.select('.evidence-label').text((evidence) => evidence.label))
      .call((rows) => rows.select('.evidence-value').text((evidence) => formatStatistic(evidence.value, locale)));

    items.select('.finding-fixes-heading').text(strings.findings.fixes).attr('hidden', (finding) => (finding.fixes.length === 0 ? '' : null));
    items
      .select('ul.finding-fixes')
      .selectAll<HTMLLIElement, string>('li')
      .data((finding) => finding.fixes.map((fix) => strings.findings.fixLabels[fix] ?? fix))
      .join('li')
      .text((label) => label);
    items
      .select('.finding-fixes-hint')
      .text(strings.findings.fixesHint)
      .attr('hidden', (finding) => (finding.fixes.length === 0 || !view.interactive ? '' : null));
  }

  private toggle(finding: Finding): void {
    this.selected = this.selected === finding.kind ? undefined : finding.kind;
    this.updateSelection();
  }

  private updateSelection(): void {
    select(this.list)
      .selectAll<HTMLLIElement, Finding>('li.finding')
      .classed('is-selected', (finding) => finding.kind === this.selected)
      .select('button.finding-title')
      .attr('aria-pressed', (finding) => String(finding.kind === this.selected));
    this.onSelect(this.selectedSpecIndexes);
  }

  /** Arrow keys, Home and End move between the findings' buttons; Escape clears the selection. */
  private moveFocus(event: KeyboardEvent): void {
    const buttons = [...this.list.querySelectorAll<HTMLButtonElement>('button.finding-title')];
    const current = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (current < 0) {
      return;
    }
    let next: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(buttons.length - 1, current + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, current - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = buttons.length - 1;
        break;
      case 'Escape':
        if (this.selected !== undefined) {
          this.selected = undefined;
          this.updateSelection();
          event.preventDefault();
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    buttons[next].focus();
  }
}
