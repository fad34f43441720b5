import { chartLegend } from './chart-legend';
import { linePath, runs, stepBandPath, type Span } from './chart-paths';
import { eventMarkers, releaseBands } from './event-markers';
import { ERROR_RATE_COLOR, P95_COLOR } from './palette';
import { linearScale, niceCeil, tickLabel, ticks, type LinearScale } from './scales';
import { bucketSeconds, bucketShares, rollingErrorRate, versionInfos, type VersionInfo } from './series';
import { tag, text, title } from './svg';
import type { ReportData } from './types';

/** Geometry of the chart in viewBox units. */
export const CHART = {
  width: 1000,
  height: 428,
  left: 58,
  right: 934,
  legendY: 16,
  laneTop: 40,
  laneHeight: 12,
  lanes: 3,
  bandY: 70,
  bandHeight: 15,
  share: { top: 92, bottom: 272 },
  errors: { top: 298, bottom: 388 },
} as const;

/** Error rate is computed over this many buckets (1 s at 250 ms) to smooth single failures. */
const ERROR_WINDOW_SECONDS = 1;

function axisLeft(y: LinearScale, values: number[], unit: string, x: number): string {
  return values
    .map((v) => text({ x: x - 6, y: y(v) + 3.5, 'text-anchor': 'end', class: 'tick' }, `${tickLabel(v)}${unit}`))
    .join('');
}

function axisRight(y: LinearScale, values: number[], unit: string, x: number): string {
  return values
    .map((v) => text({ x: x + 6, y: y(v) + 3.5, 'text-anchor': 'start', class: 'tick' }, `${tickLabel(v)}${unit}`))
    .join('');
}

function hGrid(y: LinearScale, values: number[], cls: string): string {
  return values
    .map((v) => tag('line', { x1: CHART.left, x2: CHART.right, y1: y(v), y2: y(v), class: cls }))
    .join('');
}

function vGrid(x: LinearScale, values: number[], top: number, bottom: number): string {
  return values.map((v) => tag('line', { x1: x(v), x2: x(v), y1: top, y2: bottom, class: 'grid' })).join('');
}

function axisTitle(label: string, x: number, y: number, rotate: number): string {
  return text({ x, y, transform: `rotate(${rotate} ${x} ${y})`, 'text-anchor': 'middle', class: 'axis-title' }, label);
}

function shareAreas(data: ReportData, spans: Span[], versions: VersionInfo[], x: LinearScale, y: LinearScale): string {
  const keys = versions.map((v) => v.key);
  const shares = data.series.map((b) => bucketShares(b, keys));
  const cumulative = shares.map((s) => {
    if (!s) return null;
    const acc = [0];
    for (const share of s) acc.push(acc[acc.length - 1]! + share);
    return acc;
  });
  const bucketRuns = runs(spans, (i) => cumulative[i] !== null);
  return versions
    .map((v, k) =>
      tag('path', {
        class: 'area',
        'data-version': v.key,
        fill: v.fill,
        d: stepBandPath(spans, bucketRuns, (i) => cumulative[i]![k]!, (i) => cumulative[i]![k + 1]!, x, y),
      }),
    )
    .join('');
}

/** Invisible columns per bucket carrying a native tooltip with the bucket's figures. */
function hoverColumns(data: ReportData, spans: Span[], versions: VersionInfo[], x: LinearScale): string {
  return data.series
    .map((b, i) => {
      const served = versions
        .filter((v) => (b.perVersion?.[v.key] ?? 0) > 0)
        .map((v) => `${v.label} ${b.perVersion[v.key]}`)
        .join(', ');
      const p95 = b.p95LatencyMs === null ? '—' : `${Math.round(b.p95LatencyMs)} ms`;
      const tip = `${b.t.toFixed(2)} s: ${b.requests} requests, ${b.failures} failed, p95 ${p95}${served ? ` · ${served}` : ''}`;
      const span = spans[i]!;
      return tag(
        'rect',
        { x: x(span.t0), y: CHART.share.top, width: Math.max(x(span.t1) - x(span.t0), 0.5), height: CHART.errors.bottom - CHART.share.top, class: 'hover' },
        title(tip),
      );
    })
    .join('');
}

/** The timeline: traffic share per version above, error rate and p95 below, event markers across both. */
export function timelineSvg(data: ReportData): string {
  const dt = bucketSeconds(data);
  const spans: Span[] = data.series.map((b) => ({ t0: b.t, t1: b.t + dt }));
  const versions = versionInfos(data);
  const lastBucket = spans.length ? spans[spans.length - 1]!.t1 : 0;
  const lastEvent = Math.max(0, ...data.events.map((e) => (Number.isFinite(e.t) ? e.t : 0)));
  const tEnd = Math.max(data.wallSeconds || 0, lastBucket, lastEvent, 1);

  const x = linearScale([0, tEnd], [CHART.left, CHART.right]);
  const yShare = linearScale([0, 100], [CHART.share.bottom, CHART.share.top]);
  const errorRates = rollingErrorRate(data.series, Math.max(1, Math.round(ERROR_WINDOW_SECONDS / dt)));
  const p95s = data.series.map((b) => b.p95LatencyMs);
  const errMax = niceCeil(Math.max(0, ...errorRates.map((v) => v ?? 0)), 5, 4);
  const p95Max = niceCeil(Math.max(0, ...p95s.map((v) => v ?? 0)), 50, 4);
  const yErr = linearScale([0, errMax], [CHART.errors.bottom, CHART.errors.top]);
  const yP95 = linearScale([0, p95Max], [CHART.errors.bottom, CHART.errors.top]);

  const xTicks = ticks(0, tEnd, 10);
  const shareTicks = [0, 25, 50, 75, 100];
  const errTicks = ticks(0, errMax, 3);
  const p95Ticks = ticks(0, p95Max, 3);
  const { share, errors } = CHART;
  const plotWidth = CHART.right - CHART.left;
  const empty = data.series.length === 0;

  const body = [
    chartLegend(versions, CHART.left, CHART.legendY, CHART.right),
    // panels, grid under the data
    tag('rect', { x: CHART.left, y: share.top, width: plotWidth, height: share.bottom - share.top, class: 'panel' }),
    tag('rect', { x: CHART.left, y: errors.top, width: plotWidth, height: errors.bottom - errors.top, class: 'panel' }),
    vGrid(x, xTicks, share.top, share.bottom),
    vGrid(x, xTicks, errors.top, errors.bottom),
    hGrid(yShare, shareTicks, 'grid'),
    hGrid(yErr, errTicks, 'grid'),
    // data
    tag('g', { class: 'areas' }, shareAreas(data, spans, versions, x, yShare)),
    hGrid(yShare, shareTicks.slice(1, -1), 'grid-over'),
    tag('path', { class: 'line error-rate', d: linePath(spans, errorRates, x, yErr), stroke: ERROR_RATE_COLOR }),
    tag('path', { class: 'line p95', d: linePath(spans, p95s, x, yP95), stroke: P95_COLOR, 'stroke-dasharray': '5 3' }),
    empty ? text({ x: (CHART.left + CHART.right) / 2, y: (share.top + share.bottom) / 2, 'text-anchor': 'middle', class: 'empty-note' }, 'No traffic recorded') : '',
    // axes
    axisLeft(yShare, shareTicks, ' %', CHART.left),
    axisLeft(yErr, errTicks, ' %', CHART.left),
    axisRight(yP95, p95Ticks, ' ms', CHART.right),
    xTicks
      .map((v) => tag('line', { x1: x(v), x2: x(v), y1: errors.bottom, y2: errors.bottom + 4, class: 'axis' }) +
        text({ x: x(v), y: errors.bottom + 15, 'text-anchor': 'middle', class: 'tick' }, tickLabel(v)))
      .join(''),
    axisTitle('traffic share', 16, (share.top + share.bottom) / 2, -90),
    axisTitle('error rate', 16, (errors.top + errors.bottom) / 2, -90),
    axisTitle('p95 latency', CHART.width - 12, (errors.top + errors.bottom) / 2, 90),
    text(
      { x: (CHART.left + CHART.right) / 2, y: errors.bottom + 32, 'text-anchor': 'middle', class: 'axis-title' },
      `wall time (s)${data.timeScale > 0 ? ` — 1 s ≈ ${tickLabel(data.timeScale)} s simulated` : ''}`,
    ),
    // events on top, release bars over the marker lines so their names stay readable
    tag('g', { class: 'hovers' }, hoverColumns(data, spans, versions, x)),
    tag('g', { class: 'markers' }, eventMarkers(data.events, x, { ...CHART, bottom: errors.bottom })),
    tag('g', { class: 'releases' }, releaseBands(data.events, data.releases, x, CHART.bandY, CHART.bandHeight)),
  ].join('');

  return tag(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${CHART.width} ${CHART.height}`,
      class: 'timeline',
      role: 'img',
      'aria-label': 'Traffic share per version, error rate and p95 latency over time, with release events',
    },
    body,
  );
}
