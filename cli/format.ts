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

export function splitText(split: Record<string, number>): string {
  return Object.entries(split)
    .sort((a, b) => b[1] - a[1])
    // Lambda versions are numbers; SageMaker splits are by production variant.
    .map(([v, p]) => `${/^(\d+|\$LATEST)$/.test(v) ? 'version' : 'variant'} ${v}: ${p} %`)
    .join(', ');
}
