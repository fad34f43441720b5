import { outcomeMark, outcomeWords } from '../core/outcome-words';
import { sideText, type TargetKind } from '../core/release-input';
import type { SandboxClock } from './sandbox-endpoint';

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | undefined | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined || c === null ? '—' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), line(widths.map((w) => '─'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

export function duration(ms: number | undefined): string | undefined {
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** `version 7: 90 %, version 8: 10 %` (a SageMaker endpoint's split is by production variant). */
export function splitText(split: Record<string, number>, kind: TargetKind): string {
  return Object.entries(split)
    .sort((a, b) => b[1] - a[1])
    .map(([v, p]) => `${sideText(kind, v)}: ${p} %`)
    .join(', ');
}

/** Wall time for short spans too: "1.7 s" rather than "2 s". */
function wallDuration(ms: number): string | undefined {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : duration(ms);
}

/**
 * A duration read from AWS as is; one read from the sandbox is on its virtual clock, so it says so
 * and gives the wall time it took: "2 min (simulated; 12 s wall at ×10)".
 */
export function clockDuration(ms: number | undefined, clock: SandboxClock | undefined): string | undefined {
  const text = duration(ms);
  if (text === undefined || !clock) return text;
  return `${text} (simulated; ${wallDuration(ms! / clock.timeScale)} wall at ×${clock.timeScale})`;
}

/** A time read from the sandbox, marked as on its clock. */
export function clockTime(iso: string | undefined, clock: SandboxClock | undefined): string | undefined {
  if (iso === undefined) return undefined;
  return clock ? `${iso} (sandbox clock)` : iso;
}

/** The line that says which clock the times above or below are on (nothing on AWS). */
export function clockNote(clock: SandboxClock | undefined): string | undefined {
  if (!clock) return undefined;
  return `Times are on the sandbox's simulated clock: ×${clock.timeScale}, 1 wall second = ${clock.timeScale} simulated second${clock.timeScale === 1 ? '' : 's'}.`;
}

const ANSI: Readonly<Record<string, string>> = {
  Succeeded: '32', // green
  RolledBack: '33', // yellow
  Failed: '31', // red
  Rejected: '35', // magenta
  Superseded: '36', // cyan
  InputRejected: '35',
  Running: '34', // blue
};

/** "↩ rolled back", coloured per outcome on a terminal. */
export function outcomeText(outcome: string, color = false): string {
  const text = `${outcomeMark(outcome)} ${outcomeWords(outcome)}`;
  const code = ANSI[outcome];
  return color && code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** Colour only on a terminal, and never with NO_COLOR (https://no-color.org). */
export function wantsColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

/** A command to paste into a new terminal: `npx cutover`, the endpoint when there is one, the arguments quoted for a POSIX shell. */
export function suggestion(endpoint: string | undefined, ...args: string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['npx', 'cutover', ...(endpoint ? ['--endpoint', endpoint] : []), ...args].map(quote).join(' ');
}
