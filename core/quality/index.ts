/** The AI-quality gate: golden sets, checks, scoring green against blue, and the verdict. */
export { checkAll, checkExpectation, type Check, type CheckResult } from './expectations';
export { DEFAULT_GOLDEN_SET_LIMITS, loadGoldenSet, parseGoldenSet, type GoldenCase, type GoldenSet, type GoldenSetLimits } from './golden-set';
export { compileOutputSchema, type JsonSchema, type OutputValidator } from './json-schema';
export { mapBounded, type BoundedOptions, type BoundedOutcome, type BoundedRun } from './bounded';
export { p95, percentile } from './percentile';
export {
  outputsAgree,
  scoreQuality,
  type CaseResult,
  type QualityReport,
  type ResultsById,
  type SchemaFailure,
  type ScoredCase,
  type ScoreInput,
  type SideScore,
  type WorstCase,
} from './score';
export { DEFAULT_MIN_PASS_RATE, evaluateGates, type GateVerdict, type QualityGates } from './gates';
export { deepEqual } from './deep-equal';
