/**
 * The comparison after "Train again and compare": the previous run's heatmap above this
 * run's, both on one colour scale, and both runs' loss and accuracy on the same axes in
 * place of the single-run curves.
 */
import type { PanelStrings } from '../src/common/panelStrings';
import type { RunSnapshot } from '../src/common/runState';
import { createCompareCurves, renderCompareCurves, type CompareCurveElements } from './compareCurves';
import { fillTemplate } from './format';
import { renderHeatmap } from './heatmap';
import type { HeatmapCell, HeatmapModel } from './heatmapModel';

export interface CompareElements {
  readonly baseline: HTMLElement;
  readonly baselineTitle: HTMLElement;
  readonly baselineFindings: HTMLElement;
  readonly baselineHeatmap: SVGSVGElement;
  readonly scaleNote: HTMLElement;
  readonly currentTitle: HTMLElement;
  readonly curves: CompareCurveElements;
}

export interface CompareView {
  readonly run: RunSnapshot;
  /** Undefined when there is nothing to compare with: the comparison is hidden. */
  readonly baseline?: RunSnapshot;
  /** The previous run's heatmap model, already on the shared colour scale. */
  readonly baselineModel?: HeatmapModel;
  readonly strings: PanelStrings;
  readonly locale: string;
  readonly width: number;
  readonly hoverCell: (cell: HeatmapCell | undefined, event: PointerEvent) => void;
}

/** Creates the comparison's elements: the previous run's block before `heatmap`, the curves before `curvesBefore`. */
export function createCompare(heatmap: SVGSVGElement, root: HTMLElement, curvesBefore: Element | null): CompareElements {
  const section = heatmap.parentElement as HTMLElement;
  const baseline = section.insertBefore(document.createElement('div'), heatmap);
  baseline.className = 'compare-baseline';
  const scaleNote = baseline.appendChild(document.createElement('p'));
  scaleNote.className = 'compare-scale-note';
  const baselineTitle = baseline.appendChild(document.createElement('h3'));
  baselineTitle.className = 'compare-title';
  const baselineFindings = baseline.appendChild(document.createElement('div'));
  baselineFindings.className = 'compare-findings';
  const baselineHeatmap = baseline.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
  baselineHeatmap.classList.add('heatmap', 'baseline-heatmap');
  const currentTitle = section.insertBefore(document.createElement('h3'), heatmap);
  currentTitle.className = 'compare-title';
  const curves = createCompareCurves(root, curvesBefore);
  return { baseline, baselineTitle, baselineFindings, baselineHeatmap, scaleNote, currentTitle, curves };
}

/** Shows or hides the comparison; returns whether it is shown. */
export function renderCompare(elements: CompareElements, view: CompareView): boolean {
  const { baseline, baselineModel, strings } = view;
  const visible = baseline !== undefined && baselineModel !== undefined && baseline.layers.length > 0;
  elements.baseline.hidden = !visible;
  elements.currentTitle.hidden = !visible;
  elements.curves.root.hidden = !visible;
  if (!visible) {
    return false;
  }

  elements.scaleNote.textContent = strings.compare.sharedScale;
  elements.baselineTitle.textContent = fillTemplate(strings.compare.previousRun, String(baseline.seed ?? '?'));
  elements.currentTitle.textContent = strings.compare.currentRun;
  renderBaselineFindings(elements.baselineFindings, baseline, strings);
  renderHeatmap(elements.baselineHeatmap, {
    model: baselineModel,
    width: view.width,
    strings,
    hoverCell: view.hoverCell,
  });
  renderCompareCurves(elements.curves, { current: view.run, previous: baseline }, strings, view.locale, view.width);
  return true;
}

function renderBaselineFindings(container: HTMLElement, baseline: RunSnapshot, strings: PanelStrings): void {
  const findings = baseline.findings ?? [];
  const intro = document.createElement('p');
  intro.textContent = findings.length === 0 ? strings.compare.previousNoFindings : strings.compare.previousFindings;
  const list = document.createElement('ul');
  for (const finding of findings) {
    const item = list.appendChild(document.createElement('li'));
    item.textContent = finding.title;
    item.dataset.kind = finding.kind;
  }
  container.replaceChildren(intro, ...(findings.length > 0 ? [list] : []));
}
