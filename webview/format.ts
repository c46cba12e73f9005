/** Number formatting for the UI: human-readable bytes, counts, times. Pure functions, no DOM. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * Bytes in binary units with three significant digits: `512 B`, `1.50 KiB`, `48.3 MiB`, `1.21 GiB`.
 * Negative values keep their sign (diffs); non-finite values read as an em dash.
 */
export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '—';
  const sign = bytes < 0 ? '−' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${sign}${value} B`;
  // Three significant digits, but never "1024 KiB": round first, then carry into the next unit.
  let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  let text = value.toFixed(digits);
  if (Number(text) >= 1024 && unit < BYTE_UNITS.length - 1) {
    unit++;
    value /= 1024;
    digits = 2;
    text = value.toFixed(digits);
  }
  return `${sign}${text} ${BYTE_UNITS[unit]}`;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** An exact count with thousands separators: `50,659,328`. */
export function formatCount(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  return integer.format(n);
}

/** The exact byte count, for tooltips: `50,659,328 bytes`. */
export function exactBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '';
  return `${formatCount(bytes)} ${Math.abs(bytes) === 1 ? 'byte' : 'bytes'}`;
}

/** A share as a percentage with one decimal: `12.5 %`; `—` when the whole is zero or unknown. */
export function formatPercent(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return '—';
  return `${((100 * part) / whole).toFixed(1)} %`;
}

/** A clock time for "updated at" labels: `14:03:27`. */
export function formatClock(timestamp: number): string {
  const d = new Date(timestamp);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
