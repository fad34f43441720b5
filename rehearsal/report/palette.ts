import type { ReleaseOutcome, ReportEventKind } from './types';

/** Fills for version areas (Tableau 10: distinct, readable, colour-blind friendlier). */
const VERSION_FILLS = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

/** Fill for the n-th version (0-based); beyond the palette, evenly spaced hues. */
export function versionFill(index: number): string {
  if (index < VERSION_FILLS.length) return VERSION_FILLS[index]!;
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 55% 55%)`;
}

export interface MarkerStyle {
  /** Stroke colour of the vertical marker and its label. */
  color: string;
  /** SVG stroke-dasharray, empty for a solid line. */
  dash: string;
  /** Short text drawn next to the marker. */
  short: string;
}

/** Dark, saturated colours so markers stay visible over any version fill. */
export const MARKER_STYLES: Record<ReportEventKind, MarkerStyle> = {
  started: { color: '#475569', dash: '2 3', short: 'start' },
  'quality-gate': { color: '#6d28d9', dash: '5 2', short: 'gate' },
  switched: { color: '#1d4ed8', dash: '', short: 'switch' },
  alarm: { color: '#dc2626', dash: '', short: 'ALARM' },
  'rolled-back': { color: '#c2410c', dash: '7 3', short: 'rollback' },
  'manual-rollback': { color: '#a16207', dash: '1 2', short: 'manual rb' },
  retention: { color: '#0f766e', dash: '3 3', short: 'retain' },
  succeeded: { color: '#15803d', dash: '', short: 'succeeded' },
  'ended-rolled-back': { color: '#b45309', dash: '6 2 2 2', short: 'rolled back' },
  failed: { color: '#7f1d1d', dash: '8 3', short: 'failed' },
};

const FALLBACK_MARKER: MarkerStyle = { color: '#334155', dash: '4 4', short: 'event' };

export function markerStyle(kind: string): MarkerStyle {
  return (MARKER_STYLES as Record<string, MarkerStyle | undefined>)[kind] ?? FALLBACK_MARKER;
}

/** Badge colours per outcome: [background, text]. */
export const OUTCOME_COLORS: Record<ReleaseOutcome, readonly [string, string]> = {
  Succeeded: ['#dcfce7', '#166534'],
  RolledBack: ['#fef3c7', '#92400e'],
  Failed: ['#fee2e2', '#991b1b'],
  Rejected: ['#e5e7eb', '#374151'],
  Running: ['#dbeafe', '#1e40af'],
};

export function outcomeColors(outcome: string): readonly [string, string] {
  return (OUTCOME_COLORS as Record<string, readonly [string, string] | undefined>)[outcome] ?? ['#e5e7eb', '#374151'];
}

/** Lines in the lower panel. */
export const ERROR_RATE_COLOR = '#b91c1c';
export const P95_COLOR = '#4338ca';
