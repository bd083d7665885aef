/**
 * How an HTML report hands its run to the panel script: as JSON in a
 * `<script type="application/json">` element with this id, which the browser never executes.
 */
import type { PanelStrings } from './panelStrings';
import type { PanelState } from './runState';

export const REPORT_DATA_ELEMENT_ID = 'gradient-flow-report';

/** The JSON in that element, with non-finite numbers encoded as in `nonFiniteNumbers.ts`. */
export interface ReportData {
  readonly state: PanelState;
  readonly strings: PanelStrings;
}
