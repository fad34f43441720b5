import '../sandbox/polyfills';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DisruptionHarness } from './fault-matrix/disruption-harness';
import { DISRUPTIONS, disruptionCases, whereOf, type DisruptionCase } from './fault-matrix/disruptions';
import { LATENCY_CASE_BAKE, MATRIX_LATENCY_MS, MATRIX_REQUEST_TIMEOUT_MS, MATRIX_TIME_SCALE, faultTimes, type CaseResult } from './fault-matrix/harness';
import { allCases, FAULT_KINDS, LIFECYCLE_POINTS, TARGET_KINDS, type FaultCase, type Scenario } from './fault-matrix/matrix';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

/**
 * `npm run faults`: the full fault matrix (bench/fault-matrix/matrix.ts), one sandbox
 * per target kind, one case after the other, then bench/FAULTS.md with a
 * table per kind.
 *   --kinds <a,b>     only these target kinds (default: all); the report keeps the others' sections
 *   --filter <text>   only the cases whose id contains <text> (no FAULTS.md unless --out or --update)
 *   --update          with --filter: rerun those cases and replace their cells in the kind's section of
 *                     the report (its baselines too), keeping the rest of it
 *   --out <file>      where to write the report (default bench/FAULTS.md without --filter)
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const KIND_LABEL: Record<string, string> = {
  throttle: 'throttle ×1',
  '5xx': '5xx ×3',
  latency: `latency ${MATRIX_LATENCY_MS} ms ×3`,
  'access-denied': 'AccessDenied (permanent)',
};

function cell(r: CaseResult | undefined): string {
  if (!r) return '';
  const mark = r.violations.length ? '✘' : r.unexpectedOutcome ? '≠' : r.accepted.length ? '◐' : r.hits === 0 ? '·' : '✔';
  // No ended ledger item (the ledger write itself was denied, or ValidateInput refused): what the execution says.
  if (!r.outcome || r.outcome === 'Running') return `${mark} execution ${r.executionStatus}${r.executionError ? ` (${r.executionError})` : ''}${r.outcome === 'Running' ? ', ledger not written' : ''}`;
  return `${mark} ${r.outcome}${r.outcomeError ? ` (${r.outcomeError})` : ''}`;
}

/** What one target kind's run gave, as its section of FAULTS.md says it (so a later run of other kinds keeps it). */
export interface KindSummary {
  cases: number;
  violations: number;
  accepted: number;
  unexpected: number;
  unhit: number;
  date: string;
  wallSeconds: number;
}

export interface KindSection {
  kind: string;
  summary: KindSummary;
  /** The section, from its `## Target kind` heading on. */
  markdown: string;
}

const SUMMARY_LINE = /^Run on (\S+) in (\d+) s wall: (\d+) cases, (\d+) violations, (\d+) accepted, (\d+) unexpected outcomes, (\d+) not hit \(·\)\.$/m;
const summaryLine = (s: KindSummary) =>
  `Run on ${s.date} in ${s.wallSeconds.toFixed(0)} s wall: ${s.cases} cases, ${s.violations} violations, ${s.accepted} accepted, ${s.unexpected} unexpected outcomes, ${s.unhit} not hit (·).`;
const heading = (kind: string) => `## Target kind \`${kind}\``;

const DISRUPTION_HEADER = ['| disruption | where | expected end | result |', '|---|---|---|---|'];

/** One target kind's section: its summary, baselines, table, and the cases that need a word. */
export function kindSection(kind: string, results: CaseResult[], cases: FaultCase[], baselines: CaseResult[], wallSeconds: number, disruptions: DisruptionCase[] = []): KindSection {
  const byId = new Map(results.map((r) => [r.id, r]));
  const disruptionRows = [...DISRUPTION_HEADER];
  for (const d of disruptions) {
    const r = byId.get(d.id);
    if (r) disruptionRows.push(`| ${d.d.kind} | ${whereOf(d.d)} | ${d.d.expect === 'none' ? 'no release' : d.d.expect} | ${cell(r)} |`);
  }
  const baselineRows = ['| scenario | outcome | invariants |', '|---|---|---|'];
  for (const b of baselines) baselineRows.push(`| ${b.id.replace('baseline/', '')} | ${cell(b)} | ${b.violations.length ? b.violations.map((v) => v.detail).join('; ') : 'hold'} |`);
  const table = [`| point | caller | operation | ${FAULT_KINDS.map((k) => KIND_LABEL[k]).join(' | ')} |`, `|---|---|---|${FAULT_KINDS.map(() => '---').join('|')}|`];
  for (const point of LIFECYCLE_POINTS) {
    for (const row of (TARGET_KINDS[kind] ?? []).filter((r) => r.point === point)) {
      for (const op of row.operations) {
        const cells = FAULT_KINDS.map((k) => cell(byId.get(cases.find((c) => c.row === row && c.operation === op && c.kind === k)?.id ?? '')));
        if (cells.every((c) => !c)) continue; // not run (--filter)
        table.push(`| ${point} | ${row.caller} | ${op.service} ${op.operation} | ${cells.join(' | ')} |`);
      }
    }
  }
  const violations = results.filter((r) => r.violations.length);
  const accepted = results.filter((r) => !r.violations.length && r.accepted.length);
  const unexpected = results.filter((r) => !r.violations.length && r.unexpectedOutcome);
  return assembleSection(kind, { date: new Date().toISOString().slice(0, 10), wallSeconds }, baselineRows, table, disruptionRows, {
    violations: violations.map((r) => `- \`${r.id}\` (${r.caseName}): ${r.violations.map((v) => `${v.invariant}: ${v.detail}`).join('; ')}`),
    accepted: accepted.map((r) => `- \`${r.id}\`: ${r.accepted.map((v) => `${v.invariant}: ${v.detail}`).join('; ')}; outcome ${cell(r)}`),
    unexpected: unexpected.map((r) => `- \`${r.id}\`: ${r.unexpectedOutcome}`),
  });
}

/**
 * The target kinds' sections of an earlier FAULTS.md, so that a run of some kinds keeps the others'.
 * Reads this generator's sections, and the one-kind layout it wrote before (one header, one baselines
 * table, lists for all kinds), whose counts are taken from the table's marks.
 */
export function previousSections(markdown: string): Map<string, KindSection> {
  const found = new Map<string, KindSection>();
  const parts = markdown.split(/^(?=## )/m);
  const part = (title: string) => parts.find((p) => p.startsWith(`## ${title}`)) ?? '';
  for (const p of parts) {
    const kind = /^## Target kind `([^`]+)`/.exec(p)?.[1];
    if (!kind) continue;
    const body = p.trimEnd();
    const m = SUMMARY_LINE.exec(body);
    if (m) {
      const [, date, wall, cases, violations, accepted, unexpected, unhit] = m;
      found.set(kind, { kind, markdown: `${body}\n`, summary: { date: date!, wallSeconds: Number(wall), cases: Number(cases), violations: Number(violations), accepted: Number(accepted), unexpected: Number(unexpected), unhit: Number(unhit) } });
      continue;
    }
    // The one-kind layout: this kind's table, the shared baselines, and this kind's entries of the shared lists.
    const header = /on (\d{4}-\d\d-\d\d): .*?, (\d+) s wall\./.exec(markdown);
    const entries = (title: string) => part(title).split('\n').filter((l) => l.startsWith(`- \`${kind}/`));
    const lists = { violations: entries('Violations'), accepted: entries('Accepted'), unexpected: entries('Unexpected outcomes') };
    const baselines = part('Baselines').split('\n').filter((l) => l.startsWith('|'));
    const table = body.split('\n').filter((l) => l.startsWith('|'));
    found.set(kind, assembleSection(kind, { date: header?.[1] ?? 'unknown', wallSeconds: Number(header?.[2] ?? 0) }, baselines, table, [], lists));
  }
  return found;
}

type SectionLists = Record<'violations' | 'accepted' | 'unexpected', string[]>;

/** A kind's section from its parts, its counts read from the tables' marks (a disruption row's one cell is its fourth, as a fault row's first). */
function assembleSection(kind: string, run: Pick<KindSummary, 'date' | 'wallSeconds'>, baselines: string[], table: string[], disruptions: string[], lists: SectionLists): KindSection {
  const marks = [...table.slice(2), ...disruptions.slice(2)].flatMap((l) => l.split('|').slice(4, -1).map((c) => c.trim()[0] ?? ''));
  const count = (mark: string) => marks.filter((c) => c === mark).length;
  const summary: KindSummary = { ...run, cases: marks.filter(Boolean).length, violations: count('✘'), accepted: count('◐'), unexpected: count('≠'), unhit: count('·') };
  const list = (l: string[]) => (l.length ? l : ['None.']);
  const lines = [heading(kind), '', summaryLine(summary), '', '### Baselines (no fault)', '', ...baselines, '', '### Cases', '', ...table];
  if (disruptions.length > 2) lines.push('', '### Disruptions', '', ...disruptions);
  lines.push('', '### Violations', '', ...list(lists.violations), '', '### Accepted', '', ...list(lists.accepted), '', '### Unexpected outcomes', '', ...list(lists.unexpected), '');
  return { kind, summary, markdown: lines.join('\n') };
}

/** A section's parts back: the baselines and cases tables, and the three lists. */
function sectionParts(section: KindSection): { baselines: string[]; table: string[]; disruptions: string[]; lists: SectionLists } {
  const sub = section.markdown.split(/^(?=### )/m);
  const lines = (title: string) => (sub.find((p) => p.startsWith(`### ${title}`)) ?? '').split('\n');
  return {
    baselines: lines('Baselines').filter((l) => l.startsWith('|')),
    table: lines('Cases').filter((l) => l.startsWith('|')),
    disruptions: lines('Disruptions').filter((l) => l.startsWith('|')),
    lists: {
      violations: lines('Violations').filter((l) => l.startsWith('- `')),
      accepted: lines('Accepted').filter((l) => l.startsWith('- `')),
      unexpected: lines('Unexpected outcomes').filter((l) => l.startsWith('- `')),
    },
  };
}

/**
 * `--update`: the cases rerun replace their cells (and their list entries) in the kind's earlier section;
 * the baselines are the rerun's; the other cells stay as they were. The wall time adds the rerun's.
 */
export function updateSection(previous: KindSection, rerun: KindSection, rerunIds: readonly string[]): KindSection {
  const before = sectionParts(previous);
  const now = sectionParts(rerun);
  const rowKey = (l: string) => l.split('|').slice(1, 4).map((c) => c.trim()).join('|');
  const merged = (old: string[], rerun: string[]): string[] => {
    const fresh = new Map(rerun.slice(2).map((l) => [rowKey(l), l.split('|')] as const));
    const rows = old.map((l, i) => {
      const cells = fresh.get(rowKey(l));
      if (i < 2 || !cells) return l;
      const before = l.split('|');
      return before.map((c, j) => (j >= 4 && j < before.length - 1 && cells[j]?.trim() ? cells[j] : c)).join('|');
    });
    // Rows the earlier report did not have (a table grown since) are added.
    const known = new Set(old.map(rowKey));
    return [...rows, ...rerun.slice(2).filter((l) => !known.has(rowKey(l)))];
  };
  const table = merged(before.table, now.table);
  const disruptions = merged(before.disruptions.length ? before.disruptions : DISRUPTION_HEADER, now.disruptions.length ? now.disruptions : DISRUPTION_HEADER);
  const mentions = (entry: string) => rerunIds.some((id) => entry.startsWith(`- \`${id}\``));
  const merge = (key: keyof SectionLists) => [...before.lists[key].filter((e) => !mentions(e)), ...now.lists[key]];
  const run = { date: rerun.summary.date, wallSeconds: previous.summary.wallSeconds + rerun.summary.wallSeconds };
  return assembleSection(previous.kind, run, now.baselines, table, disruptions, { violations: merge('violations'), accepted: merge('accepted'), unexpected: merge('unexpected') });
}

export function faultsMarkdown(sections: KindSection[]): string {
  const total = (key: keyof Omit<KindSummary, 'date'>) => sections.reduce((n, s) => n + s.summary[key], 0);
  const lines: string[] = [];
  lines.push('# Fault matrix', '');
  lines.push(
    `Generated by \`npm run faults\` (bench/faults.ts): ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node.js ${process.version}, ${total('wallSeconds').toFixed(0)} s wall over ${sections.length} target kind${sections.length === 1 ? '' : 's'} (each in its own sandbox; \`--kinds\` reruns some and keeps the others' sections).`,
    '',
  );
  lines.push(
    `**${total('cases')} cases tried, ${total('violations')} violations**, ${total('accepted')} accepted (a permanent AccessDenied on the very operation an invariant needs, reported by the release), ${total('unexpected')} unexpected outcomes (a transient fault that changed the outcome, or a denial that let a release succeed before it proved itself), ${total('unhit')} cases where the operation was not called after the trigger (·).`,
    '',
  );
  lines.push('| target kind | cases | violations | accepted | unexpected outcomes | not hit (·) | run on | wall |', '|---|---|---|---|---|---|---|---|');
  for (const { kind, summary: s } of sections) lines.push(`| \`${kind}\` | ${s.cases} | ${s.violations} | ${s.accepted} | ${s.unexpected} | ${s.unhit} | ${s.date} | ${s.wallSeconds.toFixed(0)} s |`);
  lines.push('', '## How it runs', '');
  lines.push(
    `One sandbox per target kind (\`startRehearsalStack\`, time scale ${MATRIX_TIME_SCALE}) with the orchestrator deployed once and the example service live on v1 behind the rehearsal's target of that kind (rehearsal/targets.ts): the \`ai-handler:production\` alias; the \`ai-endpoint\` SageMaker endpoint whose variant runs the service as a model (blue keeps one standby instance in retention); the \`prod\` stage of a REST API whose variable selects the Lambda version. Each case releases a fresh version of it (a new artifact URI), with a 10-case golden set, a 120 s bake polled every 60 s and a 40 s retention polled every 20 s, a user alarm, and release alarms on 60 s periods (the shortest bake they can judge is 120 s).`,
    'The fault is armed when the row\'s Task is invoked (the sandbox\'s Lambda Invoke is hooked), so it hits that Task\'s calls: after the Task\'s own invocation for the handler\'s operations, on the invocation itself for the "Task invoke" rows. `Invoke` faults are scoped to one function (the AI service, or one Task\'s function): the sandbox\'s injector matches by operation, and an AccessDenied on every Invoke would stop the orchestrator itself. SageMaker\'s InvokeEndpoint is only the smoke test\'s, so it needs no scope.',
    '',
    '| fault | what is injected |',
    '|---|---|',
    `| throttle | ${faultTimes('throttle')} request throttled (the service's own throttling error: TooManyRequestsException, ThrottlingException, SlowDown…) |`,
    `| 5xx | ${faultTimes('5xx')} requests in a row fail with the service's 5xx (ServiceException, InternalFailure, ServiceUnavailable…; all of the SDK's 3 attempts: the handler sees it, the state's Retry runs) |`,
    `| latency | ${faultTimes('latency')} requests delayed ${MATRIX_LATENCY_MS} ms, beyond the handlers' request timeout (${MATRIX_REQUEST_TIMEOUT_MS} ms here through CUTOVER_AWS_REQUEST_TIMEOUT_MS; 5 s in production, see functions/kit/clients.ts): every attempt times out and the delayed requests still land afterwards, as on AWS. Invoke of the AI service, InvokeEndpoint and the CLI have no request timeout (bounded by the function's own timeout / the person), so there it is only a delay. |`,
    '| access-denied | every request of that operation is denied (AccessDeniedException, AccessDenied for S3) until the case ends (for the CLI row: while the CLI runs) |',
    '',
    `Latency cases bake for ${LATENCY_CASE_BAKE.seconds} simulated seconds (${LATENCY_CASE_BAKE.seconds / MATRIX_TIME_SCALE} wall seconds) instead of 120: a request delayed beyond its timeout still lands, and on AWS it lands during the bake (minutes long), not after the release has ended. With a 40 ms bake, a PutMetricAlarm held 1.5 s by the sandbox re-created an alarm after Decommission had deleted it — an ordering that needs AWS to hold a request for longer than the whole release. For the same reason, when PrepareGreen's UpdateEndpoint is delayed, the SageMaker endpoint update the first delayed attempt starts lasts until the SDK's repeats have landed (${MATRIX_LATENCY_MS * (faultTimes('latency') ?? 1)} ms), so SageMaker refuses them as an update in progress, as on AWS, where an endpoint update takes minutes: otherwise a repeat landing after the switch would put the config's weights (blue 1, green 0) back.`,
    '',
    'Lifecycle points: **before-switch** (ValidateInput … ShiftTraffic, with the readiness loop of a SageMaker endpoint update, and Decommission of an orphan green when PrepareGreen crashed after making it), **bake** (the first bake check), **retention** (the first retention check, the check that enters retention for SageMaker\'s standby, then retiring blue with `deleteBlueVersion`, unlocking and recording), **rollback** (a user alarm breaches at the first bake check; RollBackToBlue, Decommission of green, unlock, record; and `cutover rollback` from the CLI during the bake).',
    '',
    'After every case: the execution ended; 100 % of traffic on exactly one version (variant); that version is green if the release succeeded, blue otherwise; the lock released (after RollbackFailed: kept, marked as needing a person); the ledger outcome matching what is live and the execution status; no release alarm left, green deleted after a failure (a Lambda version; a SageMaker model, variant and endpoint configs named after the release), blue kept (or deleted with `deleteBlueVersion`; on SageMaker only a blue model Cutover created is deleted). Transient faults (throttle, 5xx, latency) must also leave the outcome unchanged (Succeeded, or RolledBack for the rollback scenarios). See bench/fault-matrix/invariants.ts.',
    '',
    'A permanent AccessDenied on the operation an invariant needs cannot be worked around; such a case is accepted (◐) because the release reports it (the execution fails naming the error, or the recorded outcome carries it). Transient faults must leave the outcome as without them; a permanent AccessDenied must stop a release that has not proved itself (Failed before the switch, back on blue after it) and must not undo one that has (still Succeeded when only the clean-up at the end is denied).',
    '',
  );
  lines.push(
    `**Disruptions** (bench/fault-matrix/disruptions.ts, ${DISRUPTIONS.length} rows, each run on every kind it applies to): the execution stopped (StopExecution) at every Task state while its function runs, and in the bake's and retention's Wait (just after ShiftTraffic or a retention check answered); timed out (the sandbox ends it as its TimeoutSeconds would: ExecutionTimedOut, States.Timeout) before the switch, in the bake, in retention and during the rollback; stopped, reconciled, then redriven (RedriveExecution) while another release holds the target in its bake, which must see its traffic, its lock and the stopped release's recorded end unchanged; the rollback's route write failing with 5xx 40 times in a row (it must still end RolledBack) or for good (RollbackFailed with the target held for a person, then \`cutover rollback\` with the service back); and two targets of one function (two aliases, or an alias beside the API Gateway stage) released together, one of them failing its golden set, or the other released with \`deleteBlueVersion\` while this one still routes to blue. The expected end is statemachine/README.md's ("When the execution itself is stopped"); the reconciler is judged once it has run (the harness holds it until the Task functions under way have answered, the order AWS guarantees since a function cannot outlive its Task's timeout, which runs 1,000 times faster here).`,
    '',
  );
  lines.push('Legend: ✔ invariants hold · ◐ accepted · ≠ unexpected outcome · ✘ violation · `·` the operation was not called after the trigger.', '');
  for (const s of sections) lines.push(s.markdown.trimEnd(), '');
  return `${lines.join('\n')}\n`;
}

/** A case the harness itself could not run or judge (its sandbox left in a state it cannot read or restore): shown as a violation to look at, and the run goes on. */
function harnessFailure(c: { id: string }, err: unknown): CaseResult {
  const detail = `the harness failed: ${(err as Error).name}: ${(err as Error).message}`;
  return { id: c.id, caseName: '?', executionArn: '', executionStatus: 'UNKNOWN', hits: 0, wallMs: 0, violations: [{ invariant: 'ended', detail }], accepted: [], live: '?' };
}

/** One target kind in its own sandbox: the baselines, then its cases one after the other. */
async function runKind(kind: string, cases: FaultCase[], disruptions: DisruptionCase[], log: (line: string) => void): Promise<{ results: CaseResult[]; baselines: CaseResult[]; wallSeconds: number }> {
  const t0 = Date.now();
  const h = await DisruptionHarness.start({ kind: kind as never });
  log(`${kind}: sandbox ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${cases.length} cases, ${disruptions.length} disruptions`);
  const results: CaseResult[] = [];
  const baselines: CaseResult[] = [];
  try {
    for (const scenario of ['success', 'alarm-rollback', 'manual-rollback', 'prepare-crash'] as Scenario[]) {
      const b = await h.run(undefined, scenario);
      baselines.push(b);
      log(`${kind} baseline ${scenario}: ${cell(b)} ${b.violations.map((v) => v.detail).join('; ')} (${b.wallMs} ms)`);
    }
    for (const [i, c] of cases.entries()) {
      const r = await h.run(c).catch((err: unknown) => harnessFailure(c, err));
      results.push(r);
      const extra = [...r.violations.map((v) => `VIOLATION ${v.invariant}: ${v.detail}`), ...r.accepted.map((v) => `accepted ${v.invariant}`), r.unexpectedOutcome ? `unexpected: ${r.unexpectedOutcome}` : ''].filter(Boolean);
      log(`[${i + 1}/${cases.length}] ${c.id}: ${cell(r)} hits=${r.hits} ${r.wallMs} ms ${extra.join('; ')}`);
    }
    for (const [i, d] of disruptions.entries()) {
      const r = await h.runDisruption(d).catch((err: unknown) => harnessFailure(d, err));
      results.push(r);
      const extra = [...r.violations.map((v) => `VIOLATION ${v.invariant}: ${v.detail}`), r.unexpectedOutcome ? `unexpected: ${r.unexpectedOutcome}` : ''].filter(Boolean);
      log(`[disruption ${i + 1}/${disruptions.length}] ${d.id}: ${cell(r)} ${r.wallMs} ms ${extra.join('; ')}`);
    }
  } finally {
    await h.stop();
  }
  return { results, baselines, wallSeconds: (Date.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const filter = arg('--filter');
  const update = process.argv.includes('--update');
  if (update && !filter) throw new Error('--update goes with --filter (without it, the kinds run are rewritten whole)');
  const kinds = arg('--kinds')?.split(',').map((k) => k.trim()) ?? Object.keys(TARGET_KINDS);
  const unknown = kinds.filter((k) => !(k in TARGET_KINDS));
  if (unknown.length) throw new Error(`unknown target kind ${unknown.join(', ')} (${Object.keys(TARGET_KINDS).join(', ')})`);
  const defaultOut = path.join(__dirname, 'FAULTS.md');
  const out = arg('--out') ?? (filter && !update ? undefined : defaultOut);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const t0 = Date.now();
  const sections: KindSection[] = [];
  const rerunIds: string[] = [];
  let violations = 0;
  let baselineViolations = 0;
  for (const kind of kinds) {
    const cases = allCases([kind]).filter((c) => !filter || c.id.includes(filter));
    const disruptions = disruptionCases([kind]).filter((c) => !filter || c.id.includes(filter));
    const run = await runKind(kind, cases, disruptions, log);
    sections.push(kindSection(kind, run.results, cases, run.baselines, run.wallSeconds, disruptions));
    rerunIds.push(...cases.map((c) => c.id), ...disruptions.map((c) => c.id));
    violations += run.results.filter((r) => r.violations.length).length;
    baselineViolations += run.baselines.filter((b) => b.violations.length).length;
  }
  log(`${sections.reduce((n, s) => n + s.summary.cases, 0)} cases, ${violations} violations, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (out) {
    // The kinds not run this time keep their sections from the report being replaced.
    const previous = existsSync(out) ? previousSections(readFileSync(out, 'utf8')) : new Map<string, KindSection>();
    const merged = Object.keys(TARGET_KINDS).flatMap((k) => {
      const fresh = sections.find((s) => s.kind === k);
      const before = previous.get(k);
      if (fresh && before && update) return updateSection(before, fresh, rerunIds);
      return fresh ?? before ?? [];
    });
    writeFileSync(out, faultsMarkdown(merged));
    log(`wrote ${out} (${merged.map((s) => `${s.kind}${kinds.includes(s.kind) ? '' : ' kept'}`).join(', ')})`);
  }
  if (violations || baselineViolations) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`fault matrix failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
