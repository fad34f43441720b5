import { escapeHtml } from './escape';
import { fmtInt, fmtRate, fmtSeconds, NONE } from './format';
import { outcomeColors } from './palette';
import type { ReleaseQuality, ReleaseSummary } from './types';

function versionLabel(versions: Record<string, string>, key: string | undefined): string {
  return key === undefined ? '?' : versions[key] ?? `version ${key}`;
}

export function outcomeBadge(outcome: string): string {
  const [bg, fg] = outcomeColors(outcome);
  return `<span class="badge" style="background:${bg};color:${fg}">${escapeHtml(outcome)}</span>`;
}

/** Escaped text with line-break opportunities after path separators. */
function breakable(value: string): string {
  return escapeHtml(value).replace(/([/:_.])(?!\/)/g, '$1<wbr>');
}

function asFraction(rate: number): number {
  return rate > 1 ? rate / 100 : rate;
}

function qualityCell(q: ReleaseQuality | null | undefined): string {
  if (!q) return NONE;
  const green = `green <strong>${escapeHtml(fmtRate(q.greenPassRate))}</strong>`;
  const blue = q.bluePassRate === undefined ? '' : `<br>blue ${escapeHtml(fmtRate(q.bluePassRate))}`;
  const worse = q.bluePassRate !== undefined && asFraction(q.greenPassRate) < asFraction(q.bluePassRate);
  return `<span class="${worse ? 'worse' : ''}">${green}${blue}</span><br><small>${escapeHtml(fmtInt(q.cases))} cases</small>`;
}

function causeCell(r: ReleaseSummary): string {
  if (!r.error && !r.cause) return NONE;
  const error = r.error ? `<strong>${escapeHtml(r.error)}</strong>` : '';
  const cause = r.cause ? `<span class="cause-text">${escapeHtml(r.cause)}</span>` : '';
  return [error, cause].filter(Boolean).join('<br>');
}

function row(r: ReleaseSummary, versions: Record<string, string>): string {
  const sides = r.blue !== undefined || r.green !== undefined
    ? `<br><small>${escapeHtml(versionLabel(versions, r.blue))} → ${escapeHtml(versionLabel(versions, r.green))}</small>`
    : '';
  const failed = fmtInt(r.failedRequestsDuringSwitch);
  return `<tr class="release-row" data-release="${escapeHtml(r.name)}">
<td><strong>${escapeHtml(r.name)}</strong>${sides}</td>
<td class="artifact">${breakable(r.artifact)}</td>
<td>${outcomeBadge(r.outcome)}</td>
<td class="num${r.failedRequestsDuringSwitch > 0 ? ' worse' : ''}">${escapeHtml(failed)}</td>
<td class="num">${escapeHtml(fmtSeconds(r.alarmToBlueSeconds, 2))}</td>
<td class="quality">${qualityCell(r.quality)}</td>
<td class="num">${escapeHtml(fmtSeconds(r.durationSeconds))}</td>
<td class="cause">${causeCell(r)}</td>
</tr>`;
}

/** One row per release: outcome, switch failures, alarm-to-blue time, quality, cause. */
export function summaryTable(releases: readonly ReleaseSummary[], versions: Record<string, string>): string {
  if (releases.length === 0) return '<p class="note">No releases ran in this rehearsal.</p>';
  return `<table class="summary">
<thead><tr>
<th>Release<br><small>blue → green</small></th><th>Artifact</th><th>Outcome</th>
<th class="num">Failed requests<br><small>during switch</small></th>
<th class="num">Alarm → 100 %<br><small>on blue</small></th>
<th>Quality<br><small>golden-set pass rate</small></th>
<th class="num">Duration<br><small>wall</small></th><th>Cause</th>
</tr></thead>
<tbody>
${releases.map((r) => row(r, versions)).join('\n')}
</tbody>
</table>`;
}
