/** Number and time formatting shared by the report sections. `—` stands for "no value". */

export const NONE = '—';

function finite(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

export function fmtInt(n: number | null | undefined): string {
  return finite(n) ? Math.round(n).toLocaleString('en-US') : NONE;
}

export function fmtSeconds(n: number | null | undefined, digits = 1): string {
  return finite(n) ? `${n.toFixed(digits)} s` : NONE;
}

/** Share as percent; fractions (≤ 1) are scaled, larger values are taken as percent already. */
export function fmtRate(n: number | null | undefined): string {
  if (!finite(n)) return NONE;
  const pct = n <= 1 ? n * 100 : n;
  return `${pct.toFixed(1)} %`;
}

export function fmtPercent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(2)} %` : NONE;
}

/** Human duration for simulated time, e.g. "1 h 02 m", "4 m 30 s", "12 s". */
export function fmtDuration(totalSeconds: number | null | undefined): string {
  if (!finite(totalSeconds) || totalSeconds < 0) return NONE;
  const s = Math.round(totalSeconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} m`;
  if (m > 0) return `${m} m ${String(sec).padStart(2, '0')} s`;
  return `${sec} s`;
}

/** "2025-06-01 14:03:22 UTC", or the raw text when it is not a date. */
export function fmtTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
