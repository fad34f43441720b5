import { escapeHtml } from './escape';
import { markerStyle, outcomeColors } from './palette';
import type { LinearScale } from './scales';
import { tag, text, textWidth, title, truncate } from './svg';
import type { ReleaseSummary, ReportEvent } from './types';

export interface MarkerLayout {
  /** Baseline of the first label lane. */
  laneTop: number;
  laneHeight: number;
  lanes: number;
  /** Where marker lines end (bottom of the lowest panel). */
  bottom: number;
  /** Plot edges, to keep labels inside. */
  left: number;
  right: number;
}

const FONT = 10;

/** Short label next to a marker: the kind, plus the traffic share for switches ("switch 10%"). */
export function markerLabel(event: ReportEvent): string {
  const style = markerStyle(event.kind);
  if (event.kind === 'switched') {
    const pct = /(\d+(?:\.\d+)?)\s*%/.exec(event.label);
    if (pct) return `${style.short} ${pct[1]}%`;
  }
  return style.short;
}

/** Greedy lane packing: each label takes the first lane where it does not overlap. */
function assignLanes(items: { x0: number; x1: number }[], lanes: number): number[] {
  const ends = new Array<number>(lanes).fill(-Infinity);
  return items.map(({ x0, x1 }) => {
    let lane = ends.findIndex((end) => end + 6 <= x0);
    if (lane < 0) lane = ends.indexOf(Math.min(...ends));
    ends[lane] = x1;
    return lane;
  });
}

/** Vertical event markers with short labels in lanes above the panels; full text on hover. */
export function eventMarkers(events: readonly ReportEvent[], x: LinearScale, layout: MarkerLayout): string {
  const sorted = [...events].filter((e) => Number.isFinite(e.t)).sort((a, b) => a.t - b.t);
  const placed = sorted.map((event) => {
    const label = markerLabel(event);
    const width = textWidth(label, FONT, true);
    const mx = x(event.t);
    const flip = mx + 3 + width > layout.right;
    const x0 = flip ? mx - 3 - width : mx + 3;
    return { event, label, mx, flip, x0, x1: x0 + width };
  });
  const lanes = assignLanes(placed, layout.lanes);
  const lines: string[] = [];
  const labels: string[] = [];
  placed.forEach(({ event, label, mx, flip }, i) => {
    const style = markerStyle(event.kind);
    const baseline = layout.laneTop + lanes[i]! * layout.laneHeight;
    const line = { x1: mx, x2: mx, y1: baseline - FONT + 1, y2: layout.bottom };
    const tip = title(`${event.t.toFixed(2)} s · ${event.release} · ${event.label}`);
    lines.push(
      tag(
        'g',
        { class: 'marker', 'data-kind': event.kind, 'data-release': event.release },
        tip +
          tag('line', { ...line, stroke: '#ffffff', 'stroke-width': 3.5, 'stroke-opacity': 0.85 }) +
          tag('line', {
            ...line,
            stroke: style.color,
            'stroke-width': event.kind === 'alarm' ? 2 : 1.5,
            'stroke-dasharray': style.dash || undefined,
          }),
      ),
    );
    labels.push(
      tag(
        'text',
        {
          x: flip ? mx - 3 : mx + 3,
          y: baseline,
          'text-anchor': flip ? 'end' : 'start',
          fill: style.color,
          'font-size': FONT,
          'font-weight': 600,
          class: 'marker-label halo',
        },
        tip + escapeHtml(label),
      ),
    );
  });
  // labels after all lines, so a later marker's line never crosses an earlier label
  return tag('g', { class: 'marker-lines' }, lines.join('')) + tag('g', { class: 'marker-labels' }, labels.join(''));
}

/** One bar per release from its first to its last event, coloured by outcome. */
export function releaseBands(
  events: readonly ReportEvent[],
  releases: readonly ReleaseSummary[],
  x: LinearScale,
  y: number,
  height: number,
): string {
  const spans = new Map<string, [number, number]>();
  for (const e of events) {
    if (!Number.isFinite(e.t)) continue;
    const span = spans.get(e.release);
    spans.set(e.release, span ? [Math.min(span[0], e.t), Math.max(span[1], e.t)] : [e.t, e.t]);
  }
  const outcomes = new Map(releases.map((r) => [r.name, r.outcome] as const));
  return [...spans.entries()]
    .map(([name, [t0, t1]]) => {
      const outcome = outcomes.get(name) ?? 'Running';
      const [bg, fg] = outcomeColors(outcome);
      const x0 = x(t0);
      const width = Math.max(x(t1) - x0, 4);
      const fits = (s: string) => textWidth(s, FONT, true) <= width - 8;
      const full = `${name} · ${outcome}`;
      const label = fits(full) ? full : fits(name) ? name : fits(name.slice(0, 2)) ? truncate(name, Math.floor((width - 8) / (FONT * 0.62))) : '';
      return tag(
        'g',
        { class: 'release-band', 'data-release': name },
        title(`${name}: ${outcome} (${t0.toFixed(1)}–${t1.toFixed(1)} s)`) +
          tag('rect', { x: x0, y, width, height, rx: 3, fill: bg, stroke: fg, 'stroke-width': 0.8 }) +
          (label ? text({ x: x0 + 4, y: y + height - 4, fill: fg, 'font-size': FONT, 'font-weight': 600 }, label) : ''),
      );
    })
    .join('');
}
