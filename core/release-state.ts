import { z } from 'zod';
import { releaseInputSchema } from './release-input';

/**
 * The state document the state machine carries from Task to Task. Each Task
 * receives the whole document and writes its result under one key
 * (`ResultPath: "$.<key>"`), so a retry of a Task rewrites only its own key.
 * Objects are loose: a handler reads what it needs and ignores the rest.
 */

export const releaseContextSchema = z.looseObject({
  /** The execution name: unique per state machine, so it names everything the release creates. */
  id: z.string().min(1).max(80),
  executionArn: z.string().min(1),
  startedAt: z.string().min(1),
  targetKey: z.string().min(1),
  spec: releaseInputSchema,
});
export type ReleaseContext = z.output<typeof releaseContextSchema>;

/** What PrepareGreen made ready. Versions are strings because Lambda and SageMaker name them differently. */
export const greenSchema = z.looseObject({
  blue: z.string().min(1),
  green: z.string().min(1),
  /** True only when this release created green (so a failed release may delete it). */
  createdGreen: z.boolean(),
  greenArn: z.string().optional(),
  blueArn: z.string().optional(),
  codeSha256: z.string().optional(),
  /** Lambda: the environment variable PrepareGreen set the artifact in, and the value, put back to blue's after a failure. */
  artifactVar: z.string().optional(),
  artifactUri: z.string().optional(),
  /**
   * The readiness loop (GreenReady? → WaitForGreen → CheckGreenReady): false
   * while green is being deployed (a SageMaker endpoint update); absent for
   * targets whose green is ready at once (Lambda versions).
   */
  ready: z.boolean().optional(),
  waitSeconds: z.number().int().min(0).optional(),
  readyChecks: z.number().int().min(0).optional(),
  readyMaxChecks: z.number().int().min(1).optional(),
  /** SageMaker: the models and endpoint configs, so Decommission knows what Cutover made. */
  blueModel: z.string().optional(),
  greenModel: z.string().optional(),
  blueConfig: z.string().optional(),
  greenConfig: z.string().optional(),
  finalConfig: z.string().optional(),
  blueInstanceCount: z.number().int().optional(),
});
export type Green = z.output<typeof greenSchema>;

export const alarmSetSchema = z.looseObject({
  /** Every alarm the verdict is computed from: the user's plus the release's own. */
  names: z.array(z.string()),
  /** Alarms this release created (deleted when it ends). */
  created: z.array(z.string()),
  /** User alarms already in ALARM when the release armed: ignored until seen out of ALARM. */
  preexisting: z.array(z.string()),
});
export type AlarmSet = z.output<typeof alarmSetSchema>;

export const nextActions = ['Wait', 'ShiftTraffic', 'Rollback', 'ManualRollback', 'Decommission'] as const;
export type NextAction = (typeof nextActions)[number];
export type Verdict = 'Healthy' | 'Breached' | 'Inconclusive';

export const progressSchema = z.looseObject({
  /** Green's share at each step, ending at 100. */
  steps: z.array(z.number()),
  stepIndex: z.number().int().min(0),
  greenPercent: z.number(),
  phase: z.enum(['canary', 'bake', 'retention']),
  phaseSeconds: z.number().int().min(0),
  remainingSeconds: z.number().int().min(0),
  pollSeconds: z.number().int().min(1),
  /** What the Wait state waits next (SecondsPath). */
  waitSeconds: z.number().int().min(0),
  next: z.enum(nextActions),
  polls: z.number().int().min(0),
  verdict: z.enum(['Healthy', 'Breached', 'Inconclusive']).optional(),
  reason: z.string().optional(),
  ignoredAlarms: z.array(z.string()).default([]),
  switchedAt: z.string().optional(),
});
export type Progress = z.output<typeof progressSchema>;

/** What a Catch puts at `$.error`. */
export const caughtErrorSchema = z.looseObject({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.output<typeof caughtErrorSchema>;

export const rollbackSchema = z.looseObject({
  trigger: z.enum(['alarm', 'error', 'manual']),
  reason: z.string(),
  restored: z.string(),
  at: z.string(),
});
export type Rollback = z.output<typeof rollbackSchema>;

/** The document every Task after ValidateInput receives. */
export const releaseStateSchema = z.looseObject({
  release: releaseContextSchema,
  green: greenSchema.optional(),
  alarms: alarmSetSchema.optional(),
  progress: progressSchema.optional(),
  error: caughtErrorSchema.optional(),
  rollback: rollbackSchema.optional(),
  rollbackError: caughtErrorSchema.optional(),
  decommissionError: caughtErrorSchema.optional(),
});
export type ReleaseState = z.output<typeof releaseStateSchema>;

/**
 * The statuses of an execution that may have ended without the machine's own clean-up (a stop, a timeout, a
 * runtime failure): the construct's rule runs the reconciler on these, and the reconciler ignores any other.
 */
export const RECONCILED_EXECUTION_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

export const releaseStatuses = ['Running', 'Succeeded', 'RolledBack', 'Failed', 'Rejected'] as const;
export type ReleaseStatus = (typeof releaseStatuses)[number];

/** Tasks after PrepareGreen need green. */
export const stateWithGreenSchema = releaseStateSchema.extend({ green: greenSchema });
export type StateWithGreen = z.output<typeof stateWithGreenSchema>;

/** The monitor loop also needs the alarms and the progress. */
export const monitoringStateSchema = stateWithGreenSchema.extend({ alarms: alarmSetSchema, progress: progressSchema });
export type MonitoringState = z.output<typeof monitoringStateSchema>;
