import { escapeHtml } from './escape';
import { fmtDuration } from './format';
import { markerStyle } from './palette';
import type { ReportEvent } from './types';

/** Every release event in time order, with wall and simulated time. */
export function eventsList(events: readonly ReportEvent[], timeScale: number): string {
  if (events.length === 0) return '<p class="note">No release events were recorded.</p>';
  const rows = [...events]
    .sort((a, b) => a.t - b.t)
    .map((e) => {
      const style = markerStyle(e.kind);
      const simulated = timeScale > 0 ? fmtDuration(e.t * timeScale) : '—';
      return `<tr class="event-row" data-kind="${escapeHtml(e.kind)}">
<td class="num">${escapeHtml(Number.isFinite(e.t) ? e.t.toFixed(2) : '—')}</td>
<td class="num sim">${escapeHtml(simulated)}</td>
<td>${escapeHtml(e.release)}</td>
<td><span class="kind" style="color:${style.color};border-color:${style.color}">${escapeHtml(e.kind)}</span></td>
<td>${escapeHtml(e.label)}</td>
</tr>`;
    })
    .join('\n');
  return `<table class="events">
<thead><tr><th class="num">Wall (s)</th><th class="num">Simulated</th><th>Release</th><th>Event</th><th>Detail</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** Key for the marker styles used in the chart (only the kinds that occur). */
export function markerKey(events: readonly ReportEvent[]): string {
  const kinds = [...new Set(events.map((e) => e.kind))];
  if (kinds.length === 0) return '';
  const items = kinds.map((kind) => {
    const style = markerStyle(kind);
    const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : '';
    return `<span class="key-item"><svg width="24" height="10" viewBox="0 0 24 10" aria-hidden="true"><line x1="1" x2="23" y1="5" y2="5" stroke="${style.color}" stroke-width="2"${dash}/></svg>${escapeHtml(kind)}</span>`;
  });
  return `<p class="marker-key">Markers: ${items.join('')}</p>`;
}
