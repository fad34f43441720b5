import type { ReleaseItem } from '../../core/ledger';
import type { Target } from '../../core/release-input';
import { targetKey } from '../../core/release-input';
import type { CliClients } from '../config';

export interface HistoryRow {
  releaseId: string;
  startedAt: string;
  startedBy?: string;
  artifact?: string;
  blue?: string;
  green?: string;
  status: string;
  /** Start to end; for a release still running, start to now. */
  durationMs?: number;
  /** Start to the first traffic switch: how long preparing and the quality gates took. */
  switchedAfterMs?: number;
  cause?: string;
}

export function historyRow(r: ReleaseItem, now = Date.now()): HistoryRow {
  const switched = r.changes?.['switch-0']?.at;
  return {
    releaseId: r.releaseId,
    startedAt: r.startedAt,
    startedBy: r.startedBy,
    artifact: r.artifactUri,
    blue: r.blueVersion,
    green: r.greenVersion,
    status: r.status,
    durationMs: r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : r.status === 'Running' ? Math.max(0, now - Date.parse(r.startedAt)) : undefined,
    switchedAfterMs: switched ? Date.parse(switched) - Date.parse(r.startedAt) : undefined,
    cause: r.outcome?.cause ?? r.outcome?.error,
  };
}

/** Releases of a target (or of its target key), newest first. */
export async function readHistory(clients: CliClients, target: Target | string, limit: number, now = Date.now()): Promise<HistoryRow[]> {
  return (await clients.ledger.listReleases(typeof target === 'string' ? target : targetKey(target), limit)).map((r) => historyRow(r, now));
}
