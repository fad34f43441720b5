import type { ReleaseItem } from '../../functions/shared/ledger';
import type { Target } from '../../functions/shared/release-input';
import { targetKey } from '../../functions/shared/release-input';
import type { CliClients } from '../config';

export interface HistoryRow {
  releaseId: string;
  startedAt: string;
  startedBy?: string;
  artifact?: string;
  blue?: string;
  green?: string;
  status: string;
  durationMs?: number;
  cause?: string;
}

export function historyRow(r: ReleaseItem): HistoryRow {
  return {
    releaseId: r.releaseId,
    startedAt: r.startedAt,
    startedBy: r.startedBy,
    artifact: r.artifactUri,
    blue: r.blueVersion,
    green: r.greenVersion,
    status: r.status,
    durationMs: r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : undefined,
    cause: r.outcome?.cause ?? r.outcome?.error,
  };
}

export async function readHistory(clients: CliClients, target: Target, limit: number): Promise<HistoryRow[]> {
  return (await clients.ledger.listReleases(targetKey(target), limit)).map(historyRow);
}
