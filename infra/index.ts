export {
  ReleaseOrchestrator,
  normalizeDefaults,
  type CutoverLogLevel,
  type GoldenSetLocation,
  type ManagedStage,
  type ReleaseDefaults,
  type ReleaseOrchestratorProps,
} from './release-orchestrator';
export { CutoverStack, type CutoverStackProps } from './cutover-stack';
export { BUILT_IN_RELEASE_DEFAULTS, TASK_FUNCTIONS, type TaskFunctionSpec } from './defaults';
export { ReleaseNotifications, NOTIFICATION_TEMPLATE, type ReleaseNotificationsProps } from './notifications/release-notifications';
export {
  ModelArtifactTrigger,
  ModelPackageApprovedTrigger,
  StartReleaseFunction,
  type ModelArtifactMapping,
  type ModelArtifactTriggerProps,
  type ModelPackageApprovedTriggerProps,
  type StartReleaseFunctionProps,
} from './triggers';
export { CutoverReleaseStage, PIPELINE_ACTION_TIMEOUT_SECONDS, type CutoverReleaseStageProps } from './pipeline/cutover-release-stage';
export type { ReleaseTemplate, TargetInput } from '../triggers/start-release/config';
export type { ReleaseInput } from '../core/release-input';
export { RELEASE_EVENT_SOURCE, RELEASE_EVENT_DETAIL_TYPE, releaseEventStates, type ReleaseEventDetail, type ReleaseEventState } from '../core/events';
