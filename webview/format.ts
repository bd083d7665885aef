/**
 * Text the panel builds from numbers: localized templates filled in, numbers in the page's
 * locale. Pure functions, so the unit tests run them in Node.
 */
import type { PanelStrings } from '../src/common/panelStrings';
import type { TrackedLayer } from '../src/common/statistics';

/** Replaces `{0}`, `{1}`… in a localized template; placeholders without an argument stay. */
export function fillTemplate(template: string, ...args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (placeholder, index: string) => {
    const position = Number(index);
    return position < args.length ? String(args[position]) : placeholder;
  });
}

/** Row label of a layer: `dense_1 · sigmoid · 64`, without the width when it has none. */
export function layerLabel(layer: TrackedLayer): string {
  const parts = [layer.name, layer.activation];
  if (layer.units !== undefined) {
    parts.push(String(layer.units));
  }
  return parts.join(' · ');
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** Returns a cached `Intl.NumberFormat`; creating one costs more than formatting with it. */
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(safeLocale(locale), options);
    numberFormats.set(key, format);
  }
  return format;
}

/** VS Code passes language ids such as `en` or `zh-cn`; anything Intl rejects falls back to English. */
function safeLocale(locale: string): string {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0 ? locale : 'en';
  } catch {
    return 'en';
  }
}

/** Integer with grouping separators: `10,000` in English. */
export function formatInteger(value: number, locale: string): string {
  return formatNonFinite(value) ?? numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** Fixed number of decimals, for losses: `2.3012`. */
export function formatFixed(value: number, decimals: number, locale: string): string {
  return (
    formatNonFinite(value) ??
    numberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value)
  );
}

/** Formats a fraction in 0–1 as a percentage with `decimals` decimals, through the localized template: `11.35 %`. */
export function formatPercent(fraction: number, strings: PanelStrings, locale: string, decimals = 2): string {
  const nonFinite = formatNonFinite(fraction);
  if (nonFinite !== undefined) {
    return nonFinite;
  }
  return fillTemplate(strings.percent, formatFixed(fraction * 100, decimals, locale));
}

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** `10⁻⁶` for exponent -6. */
export function formatPowerOfTen(exponent: number): string {
  const digits = [...String(Math.abs(Math.trunc(exponent)))].map((digit) => SUPERSCRIPT_DIGITS[Number(digit)]).join('');
  return `10${exponent < 0 ? '⁻' : ''}${digits}`;
}

/**
 * Formats a statistic value with `digits` significant digits. Magnitudes below 0.001 or from
 * 100,000 up use scientific notation, `3.215 × 10⁻⁵`, because gradient norms span many decades.
 */
export function formatStatistic(value: number, locale: string, digits = 4): string {
  const nonFinite = formatNonFinite(value);
  if (nonFinite !== undefined) {
    return nonFinite;
  }
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= 1e-3 && magnitude < 1e5)) {
    return numberFormat(locale, { maximumSignificantDigits: digits }).format(value);
  }

  // Split into mantissa and exponent from the rounded value, so 9.99996e-5 becomes 1 × 10⁻⁴.
  const [mantissaText, exponentText] = value.toExponential(digits - 1).split('e');
  const mantissa = numberFormat(locale, { maximumSignificantDigits: digits }).format(Number(mantissaText));
  return `${mantissa} × ${formatPowerOfTen(Number(exponentText))}`;
}

/**
 * Short axis and legend label with 3 significant digits. On a log scale, whole powers of ten
 * read as `10⁻⁶` … `1` … `10³`, so a legend never mixes `0.01` with `10⁻³`.
 */
export function formatTick(value: number, locale: string, logScale = false): string {
  const exponent = Math.log10(Math.abs(value));
  if (logScale && value > 0 && Number.isInteger(exponent)) {
    return exponent === 0 ? '1' : formatPowerOfTen(exponent);
  }
  return formatStatistic(value, locale, 3);
}

function formatNonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (value === Infinity) {
    return '∞';
  }
  if (value === -Infinity) {
    return '−∞';
  }
  return undefined;
}
