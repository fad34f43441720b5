// Quiet, deterministic defaults for every test process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'false';
// Handlers run in-process here, with no event bus: release events are off unless a test turns them on
// (sandbox functions get their own environment and publish to the sandbox's EventBridge).
process.env.CUTOVER_EVENTS ??= 'off';
// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks.
import '../sandbox/polyfills';
