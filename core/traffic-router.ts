import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { ReleaseContext, Green } from './release-state';

/** Share of traffic per version, in percent; the values add up to 100. */
export type Split = Record<string, number>;

export interface InvokeResult {
  output?: unknown;
  /** `errorType: errorMessage` when the function failed. */
  error?: string;
  latencyMs: number;
}

export interface DecommissionResult {
  removed: string[];
  kept: { what: string; why: string }[];
}

export interface AlarmThresholds {
  prefix: string;
  errorRateThreshold: number;
  latencyP95Ms: number;
  periodSeconds: number;
}

/** How long a Task may still wait inside its invocation (context.getRemainingTimeInMillis). */
export interface TaskBudget {
  remainingMs(): number;
}

/** Where green's deployment stands (SageMaker: the endpoint update of PrepareGreen). */
export interface GreenReadiness {
  state: 'ready' | 'updating' | 'failed';
  reason?: string;
}

/*
 * What a target kind's router does, as small roles: each Task's dependencies
 * name only the roles it uses (PrepareGreen a GreenPreparer, ShiftTraffic a
 * TrafficSwitch, …), so a Task's test fakes only what it calls, and a kind's
 * router can be built from one part per role.
 */

/** Makes green ready without moving traffic (PrepareGreen, CheckGreenReady). */
export interface GreenPreparer {
  /** Make green ready without moving traffic; record what blue is. Safe to repeat. */
  prepare(release: ReleaseContext, budget?: TaskBudget): Promise<Green>;
  /**
   * What releases of other targets also write while preparing (a Lambda function's $LATEST, shared by its
   * aliases and stages), named so that PrepareGreen can hold a lease on it. None: the target is its own.
   */
  sharedResource?(): string;
  /**
   * For targets whose green takes time to deploy (PrepareGreen returns
   * `ready: false`): where the deployment stands. Routers without it are ready at once.
   */
  waitState?(green: Green): Promise<GreenReadiness>;
}

/** Calls one side directly, never through the live route (SmokeTestGreen). */
export interface SideInvoker {
  invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult>;
}

/** Moves traffic between blue and green and reads the split (ShiftTraffic, RollBackToBlue, manual rollback). */
export interface TrafficSwitch {
  /** Put `percent` of traffic on green and the rest on blue, then read it back. Safe to repeat. */
  setGreenPercent(green: Green, percent: number): Promise<Split>;
  /** 100 % on blue, whatever the router shows now. Safe to repeat. */
  rollback(green: Green): Promise<Split>;
  currentSplit(green: Green): Promise<Split>;
}

/** Defines the alarms that judge green alone (ArmAlarms; Decommission deletes them). */
export interface ReleaseAlarmSource {
  /** The alarms that judge green alone (metrics scoped to green's version). */
  releaseAlarms(release: ReleaseContext, green: Green, thresholds: AlarmThresholds): PutMetricAlarmCommandInput[];
}

/** Retires what a release leaves (Decommission). */
export interface SideRetirer {
  /** Retire one side; never what serves traffic. Safe to repeat. */
  decommission(green: Green, side: 'blue' | 'green', options: { deleteVersion: boolean }): Promise<DecommissionResult>;
  /** Remove what this release created but never reported (PrepareGreen failed after publishing). Safe to repeat. */
  discardOrphans(release: ReleaseContext): Promise<DecommissionResult>;
}

/** Keeps blue cheap while it waits as the rollback target (CheckAlarms in retention). */
export interface BlueKeeper {
  /**
   * Called at each retention check: reduce what blue costs while it only
   * waits as the rollback target (SageMaker standby instances). Returns what
   * it did, if anything. Safe to repeat.
   */
  retain?(green: Green): Promise<string | undefined>;
}

/**
 * One implementation per target kind (Lambda alias, SageMaker endpoint, API
 * Gateway stage), like Argo Rollouts' traffic routers: every role above.
 */
export interface TrafficRouter extends GreenPreparer, SideInvoker, TrafficSwitch, ReleaseAlarmSource, SideRetirer, BlueKeeper {}
