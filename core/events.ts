import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import type { ReleaseContext } from './release-state';

/**
 * Release events: what Cutover tells the rest of the account. Each state
 * change is one EventBridge event (`source: cutover`, `detail-type: Cutover
 * Release State Change`) on the bus named by CUTOVER_EVENT_BUS (default: the
 * account's `default` bus). Rules route them: the construct's SNS topic for
 * people, a chat webhook, a dashboard, another pipeline.
 *
 * Publishing never fails a release: a PutEvents error (or a partial failure)
 * is logged and the Task carries on. A Task retried by Step Functions
 * publishes again with the same `eventId`, so consumers de-duplicate on it.
 */

export const RELEASE_EVENT_SOURCE = 'cutover';
export const RELEASE_EVENT_DETAIL_TYPE = 'Cutover Release State Change';

export const releaseEventStates = ['started', 'switched', 'rolled-back', 'succeeded', 'failed', 'rejected', 'decommissioned'] as const;
export type ReleaseEventState = (typeof releaseEventStates)[number];

/** The `detail` of a Cutover Release State Change event (documented in README.md, "Events and notifications"). */
export const releaseEventDetailSchema = z.strictObject({
  /** Stable per release and change: the same on a retried Task. De-duplicate on it. */
  eventId: z.string().min(1),
  /** The execution name. */
  releaseId: z.string().min(1),
  executionArn: z.string().min(1),
  /** The release input's target, as given. */
  target: z.record(z.string(), z.unknown()),
  /** `lambda-alias:ai-handler:production`: the lock and the history are keyed by it. */
  targetKey: z.string().min(1),
  state: z.enum(releaseEventStates),
  /** True on the one event RecordOutcome emits at the end (succeeded, failed, rejected or rolled-back). */
  final: z.boolean(),
  /** The version (or variant) serving before the release; null until PrepareGreen has run. */
  blue: z.string().nullable(),
  /** The version being released; null until PrepareGreen has run. */
  green: z.string().nullable(),
  /** Green's share of traffic after this change, in percent; null when unknown. */
  greenPercent: z.number().nullable(),
  /** Why: the rollback trigger, the failure, what was retired; null when there is nothing to say. */
  reason: z.string().nullable(),
  /** One readable sentence (what the SNS notification says). */
  summary: z.string(),
  startedBy: z.string(),
  artifactUri: z.string().nullable(),
  /** When the change happened (ISO 8601). */
  at: z.string(),
});
export type ReleaseEventDetail = z.output<typeof releaseEventDetailSchema>;

/** What a handler knows about the change it made. */
export interface ReleaseChange {
  state: ReleaseEventState;
  /** Distinguishes several changes of one state (`switched-0`, `switched-1`); defaults to the state. */
  key?: string;
  at: string;
  blue?: string | null;
  green?: string | null;
  greenPercent?: number | null;
  reason?: string | null;
  final?: boolean;
}

export interface ReleaseEvents {
  /** Never throws. */
  publish(release: ReleaseContext, change: ReleaseChange): Promise<void>;
}

const LABEL: Record<ReleaseEventState, string> = {
  started: 'started',
  switched: 'switched traffic',
  'rolled-back': 'rolled back',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  decommissioned: 'decommissioned',
};

function summaryOf(release: ReleaseContext, change: ReleaseChange): string {
  const parts = [`${release.targetKey} release ${release.id} ${change.final ? 'ended: ' : ''}${LABEL[change.state]}`];
  if (change.state === 'started') parts.push(`(started by ${release.spec.startedBy}${release.spec.artifact ? `, artifact ${release.spec.artifact.uri}` : ''})`);
  if (change.green && change.greenPercent !== undefined && change.greenPercent !== null) {
    parts.push(`: green ${change.green} at ${change.greenPercent} %${change.blue ? `, blue ${change.blue} at ${Math.round((100 - change.greenPercent) * 100) / 100} %` : ''}`);
  }
  const sentence = parts.join(' ').replace(/ :/g, ':');
  return change.reason ? `${sentence}. ${change.reason}` : `${sentence}.`;
}

/** The event detail (pure). */
export function releaseEventDetail(release: ReleaseContext, change: ReleaseChange): ReleaseEventDetail {
  return {
    eventId: `${release.executionArn}#${change.key ?? change.state}`,
    releaseId: release.id,
    executionArn: release.executionArn,
    target: release.spec.target as Record<string, unknown>,
    targetKey: release.targetKey,
    state: change.state,
    final: change.final ?? false,
    blue: change.blue ?? null,
    green: change.green ?? null,
    greenPercent: change.greenPercent ?? null,
    reason: change.reason ?? null,
    summary: summaryOf(release, change),
    startedBy: release.spec.startedBy,
    artifactUri: release.spec.artifact?.uri ?? null,
    at: change.at,
  };
}

export interface EventLog {
  warn(message: string, ...extra: unknown[]): void;
}

/** PutEvents on one bus; failures are logged, never thrown. */
export class EventBridgeReleaseEvents implements ReleaseEvents {
  public constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly log: EventLog,
  ) {}

  public async publish(release: ReleaseContext, change: ReleaseChange): Promise<void> {
    const detail = releaseEventDetail(release, change);
    try {
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: RELEASE_EVENT_SOURCE,
              DetailType: RELEASE_EVENT_DETAIL_TYPE,
              Detail: JSON.stringify(detail),
              EventBusName: this.busName,
              // Rules can match one orchestrator's releases by prefix (execution:<stateMachineName>:).
              Resources: [release.executionArn],
              Time: new Date(change.at),
            },
          ],
        }),
      );
      if (out.FailedEntryCount) {
        const failed = out.Entries?.find((e) => e.ErrorCode);
        this.log.warn('release event not published', { eventId: detail.eventId, errorCode: failed?.ErrorCode, errorMessage: failed?.ErrorMessage });
      }
    } catch (err) {
      this.log.warn('release event not published', { eventId: detail.eventId, error: (err as Error).message ?? String(err) });
    }
  }
}

/**
 * The publisher the handlers use: PutEvents on CUTOVER_EVENT_BUS (default
 * `default`), or nothing when CUTOVER_EVENTS is `off` (the unit tests run the
 * handlers in-process, where no bus exists).
 */
export function eventsFromEnv(log: EventLog, make: () => EventBridgeClient): ReleaseEvents | undefined {
  if ((process.env.CUTOVER_EVENTS ?? '').toLowerCase() === 'off') return undefined;
  return new EventBridgeReleaseEvents(make(), process.env.CUTOVER_EVENT_BUS || 'default', log);
}
