import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { escapeHtml } from './escape';
import { eventsList, markerKey } from './events-list';
import { fmtInt, fmtPercent, fmtSeconds, fmtTimestamp } from './format';
import { STYLES } from './styles';
import { summaryTable } from './summary-table';
import { timelineSvg } from './timeline-svg';
import type { ReportData } from './types';

function header(data: ReportData): string {
  const { requests, failures } = data.totals;
  const scale = data.timeScale > 0 ? `×${data.timeScale}` : '—';
  const cards: [string, string, boolean?][] = [
    ['Generated', fmtTimestamp(data.generatedAt)],
    ['Wall time', fmtSeconds(data.wallSeconds)],
    ['Time scale', `${scale} simulated`],
    ['Requests', fmtInt(requests)],
    ['Failures', `${fmtInt(failures)} (${fmtPercent(failures, requests)})`, failures > 0],
    ['Releases', fmtInt(data.releases.length)],
  ];
  const items = cards
    .map(([k, v, bad]) => `<li><span class="k">${escapeHtml(k)}</span><span class="v${bad ? ' bad' : ''}">${escapeHtml(v)}</span></li>`)
    .join('');
  return `<header><h1>${escapeHtml(data.title)}</h1><ul class="meta">${items}</ul></header>`;
}

function chartSection(data: ReportData): string {
  const notes: string[] = [];
  if (data.series.length === 0) notes.push('No traffic was recorded during this rehearsal.');
  if (data.events.length === 0) notes.push('No release events were recorded.');
  const note = notes.length ? `<p class="note">${escapeHtml(notes.join(' '))}</p>` : '';
  return `<section><h2>Timeline</h2>${note}<figure>${timelineSvg(data)}${markerKey(data.events)}
<figcaption>Top: share of each 250 ms bucket's requests served by each Lambda version. Bottom: error rate and p95 latency.
Vertical lines mark release events; bars above the chart span each release. Hover for exact figures.</figcaption></figure></section>`;
}

/** The whole report as one self-contained HTML document (inline CSS and SVG, no scripts). */
export function renderReport(data: ReportData): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
${header(data)}
<section><h2>Releases</h2>
${summaryTable(data.releases, data.versions)}
</section>
${chartSection(data)}
<section><h2>Events</h2>
${eventsList(data.events, data.timeScale)}
</section>
<footer>Cutover rehearsal report · generated ${escapeHtml(fmtTimestamp(data.generatedAt))}</footer>
</main>
</body>
</html>
`;
}

/** Writes the report (creating parent folders) and returns its absolute path. */
export async function writeReport(data: ReportData, filePath: string): Promise<string> {
  const absolute = resolve(filePath);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, renderReport(data), 'utf8');
  return absolute;
}
