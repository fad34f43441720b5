import { ERROR_RATE_COLOR, P95_COLOR } from './palette';
import type { VersionInfo } from './series';
import { tag, text, textWidth, truncate } from './svg';

const FONT = 11;

/** One row: a swatch per version (its label), then the two line keys of the lower panel. */
export function chartLegend(versions: readonly VersionInfo[], left: number, y: number, right: number): string {
  const lineKeys: [string, string, string][] = [
    ['error rate, 1 s window (left axis)', ERROR_RATE_COLOR, ''],
    ['p95 latency (right axis)', P95_COLOR, '5 3'],
  ];
  const lineKeysWidth = lineKeys.reduce((w, [l]) => w + 26 + textWidth(l, FONT) + 14, 0);
  const names = versions.map((v) => (v.requests > 0 ? v.label : `${v.label} (no traffic)`));
  // shorten the longest labels first until every version fits on the one legend row
  const available = right - left - lineKeysWidth - 10;
  const rowWidth = (cap: number) => names.reduce((w, n) => w + 30 + textWidth(truncate(n, cap), FONT), 0);
  let cap = 28;
  while (cap > 4 && rowWidth(cap) > available) cap--;
  let cursor = left;
  const items: string[] = [];
  for (const [i, v] of versions.entries()) {
    const label = truncate(names[i]!, cap);
    items.push(
      tag(
        'g',
        { class: 'legend-item', 'data-version': v.key },
        tag('rect', { x: cursor, y: y - 9, width: 12, height: 12, rx: 2, fill: v.fill }) +
          text({ x: cursor + 16, y, 'font-size': FONT, class: 'legend-label' }, label),
      ),
    );
    cursor += 16 + textWidth(label, FONT) + 14;
  }
  cursor = Math.max(cursor + 10, right - lineKeysWidth);
  for (const [label, color, dash] of lineKeys) {
    items.push(
      tag('line', { x1: cursor, x2: cursor + 20, y1: y - 3.5, y2: y - 3.5, stroke: color, 'stroke-width': 2.2, 'stroke-dasharray': dash || undefined }) +
        text({ x: cursor + 25, y, 'font-size': FONT, class: 'legend-label' }, label),
    );
    cursor += 26 + textWidth(label, FONT) + 14;
  }
  return tag('g', { class: 'legend' }, items.join(''));
}
