export {
  ReleaseOrchestrator,
  normalizeDefaults,
  type CutoverLogLevel,
  type GoldenSetLocation,
  type ReleaseDefaults,
  type ReleaseOrchestratorProps,
} from './release-orchestrator';
export { CutoverStack, type CutoverStackProps } from './cutover-stack';
export { BUILT_IN_RELEASE_DEFAULTS, TASK_FUNCTIONS, type TaskFunctionSpec } from './defaults';
