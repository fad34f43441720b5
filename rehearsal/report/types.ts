/** Kinds of release events drawn as markers on the timeline. */
export type ReportEventKind =
  | 'started'
  | 'switched'
  | 'alarm'
  | 'rolled-back'
  | 'quality-gate'
  | 'succeeded'
  /** The release ended RolledBack: its own end, never drawn as "failed". */
  | 'ended-rolled-back'
  | 'failed'
  | 'manual-rollback'
  | 'retention';

export type ReleaseOutcome = 'Succeeded' | 'RolledBack' | 'Failed' | 'Rejected' | 'Running';

/** One traffic bucket (wall time). */
export interface SeriesBucket {
  /** Start of the bucket, wall seconds since the start of the rehearsal. */
  t: number;
  requests: number;
  failures: number;
  p95LatencyMs: number | null;
  /** Requests served per Lambda version (keys as in `ReportData.versions`). */
  perVersion: Record<string, number>;
}

export interface ReportEvent {
  t: number;
  release: string;
  kind: ReportEventKind;
  label: string;
}

export interface ReleaseQuality {
  /** Pass rate on the golden set, as a fraction 0–1 (values above 1 are read as percent). */
  greenPassRate: number;
  bluePassRate?: number;
  cases: number;
}

export interface ReleaseSummary {
  name: string;
  artifact: string;
  outcome: ReleaseOutcome;
  error?: string;
  cause?: string;
  /** Lambda version serving before the release (key of `ReportData.versions`). */
  blue?: string;
  /** Lambda version prepared by the release. */
  green?: string;
  /** Requests that failed around each traffic switch, not counting green's own function errors. */
  failedRequestsDuringSwitch: number;
  /** Wall seconds from an alarm entering ALARM to 100 % on blue. */
  alarmToBlueSeconds: number | null;
  durationSeconds: number;
  quality?: ReleaseQuality | null;
}

export interface ReportData {
  /** e.g. "Cutover rehearsal — ai-handler:production" */
  title: string;
  /** ISO timestamp. */
  generatedAt: string;
  /** Simulated seconds per wall second in the sandbox. */
  timeScale: number;
  /** Duration of the rehearsal. */
  wallSeconds: number;
  /** Traffic in 250 ms buckets (wall time, seconds since the start). */
  series: SeriesBucket[];
  /** Release events on the same time axis. */
  events: ReportEvent[];
  releases: ReleaseSummary[];
  /** Label per Lambda version, e.g. {"1": "v1", "2": "v2"}. */
  versions: Record<string, string>;
  totals: { requests: number; failures: number };
  /** Width of one series bucket in seconds. @default inferred from `series`, else 0.25 */
  bucketSeconds?: number;
}
