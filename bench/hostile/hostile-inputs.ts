import { MAX_INPUT_BYTES } from '../../functions/validate-input/content';
import { fullInput, nested, USER_ALARM, withValue, without, ACCOUNT, REGION } from './support';

/**
 * A fixed list of hostile release inputs, each with the field its rejection
 * must name. Built on a complete valid input (fullInput), so that each item
 * breaks exactly one thing.
 */
/** Runs of the two release-input properties (test/hostile/release-input.test.ts). */
export const PROPERTY_RUNS = { anything: 300, mutation: 600 } as const;

export interface HostileInput {
  name: string;
  input: unknown;
  /** The field the message must name (an issue's field equals it, or is inside it). */
  field: string;
}

const huge = 'x'.repeat(1_000_000);
const json = (text: string) => JSON.parse(text) as unknown;
const base = fullInput();
const set = (p: string, v: unknown, name: string, field = p): HostileInput => ({ name, input: withValue(base, p, v), field });
const drop = (p: string, name: string, field = p): HostileInput => ({ name, input: without(base, p), field });
const targetWith = (fields: Record<string, unknown>) => ({ ...base, target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production', ...fields } });

export const HOSTILE_RELEASE_INPUTS: HostileInput[] = [
  // ---- not an object at all
  { name: 'null', input: null, field: '(input)' },
  { name: 'an array', input: [base], field: '(input)' },
  { name: 'a string', input: JSON.stringify(base), field: '(input)' },
  { name: 'a number', input: 42, field: '(input)' },
  { name: 'an empty object', input: {}, field: 'target' },
  // ---- missing fields
  drop('target', 'no target'),
  drop('target.kind', 'target without kind'),
  drop('target.functionName', 'target without functionName'),
  drop('target.alias', 'target without alias'),
  drop('artifact.uri', 'artifact without uri'),
  drop('smokeTest.cases.0.name', 'smoke case without name'),
  drop('smokeTest.goldenSet.uri', 'golden set without uri'),
  drop('strategy.type', 'strategy without type'),
  // ---- wrong types
  set('target', 'ai-handler:production', 'target as a string'),
  set('target', [], 'target as an array'),
  set('target.kind', 42, 'kind as a number'),
  set('target.functionName', 42, 'functionName as a number'),
  set('target.functionName', ['ai-handler'], 'functionName as an array'),
  set('target.alias', null, 'alias null'),
  set('description', { text: 'v2' }, 'description as an object'),
  set('strategy.steps', '10,50', 'steps as a string'),
  set('bake.seconds', '600', 'bake.seconds as a string'),
  set('bake.pollSeconds', true, 'pollSeconds as a boolean'),
  set('alarms.names', USER_ALARM, 'alarm names as a string'),
  set('alarms.releaseAlarms', 'true', 'releaseAlarms as a string'),
  set('decommission.deleteBlueVersion', 'yes', 'deleteBlueVersion as a string'),
  set('smokeTest.cases', { billing: {} }, 'smoke cases as an object'),
  set('smokeTest.cases.0.expect', { path: 'label', equals: 'billing' }, 'expect as an object'),
  // ---- unknown target kinds and strategies
  set('target.kind', 'ecs-service', 'unknown target kind'),
  set('target.kind', 'Lambda-Alias', 'target kind in the wrong case'),
  set('target.kind', '', 'empty target kind'),
  set('strategy.type', 'linear', 'unknown strategy'),
  set('bake.onInconclusive', 'ignore', 'unknown onInconclusive'),
  // ---- ARNs of another account, region or partition; functions not managed
  { name: 'function ARN of another account', input: targetWith({ functionName: `arn:aws:lambda:${REGION}:999999999999:function:ai-handler` }), field: 'target.functionName' },
  { name: 'function ARN of another region', input: targetWith({ functionName: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:ai-handler` }), field: 'target.functionName' },
  { name: 'function ARN of another partition', input: targetWith({ functionName: `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:ai-handler` }), field: 'target.functionName' },
  { name: 'qualified function ARN', input: targetWith({ functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ai-handler:7` }), field: 'target.functionName' },
  { name: 'ARN of another service', input: targetWith({ functionName: `arn:aws:iam::${ACCOUNT}:role/admin` }), field: 'target.functionName' },
  { name: 'a function this orchestrator does not manage', input: targetWith({ functionName: 'billing-service' }), field: 'target.functionName' },
  { name: 'an unmanaged function by ARN of this account', input: targetWith({ functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:billing-service` }), field: 'target.functionName' },
  // ---- path-like and odd names
  { name: 'path-like function name', input: targetWith({ functionName: '../../etc/passwd' }), field: 'target.functionName' },
  { name: 'path-like alias', input: targetWith({ alias: '../production' }), field: 'target.alias' },
  { name: 'alias $LATEST', input: targetWith({ alias: '$LATEST' }), field: 'target.alias' },
  { name: 'alias of only digits (a version)', input: targetWith({ alias: '7' }), field: 'target.alias' },
  { name: 'function name with a NUL byte', input: targetWith({ functionName: 'ai-handler\u0000' }), field: 'target.functionName' },
  { name: 'function name with a homoglyph (Cyrillic a)', input: targetWith({ functionName: '\u0430i-handler' }), field: 'target.functionName' },
  { name: 'function name with a newline', input: targetWith({ functionName: 'ai-handler\nproduction' }), field: 'target.functionName' },
  set('artifact.uri', '../../etc/passwd', 'path-like artifact URI'),
  set('artifact.uri', 's3://models/v2.json ; rm -rf /', 'artifact URI with a shell command'),
  set('smokeTest.goldenSet.uri', 's3://../../etc/passwd', 'path-like golden set URI'),
  set('smokeTest.goldenSet.uri', 'https://attacker.example/golden.jsonl', 'golden set outside S3'),
  set('alarms.names', [''], 'empty alarm name', 'alarms.names.0'),
  set('alarms.names', ['no-such-alarm'], 'an alarm that does not exist'),
  set('artifact.envVar', 'AWS_SECRET_ACCESS_KEY', 'envVar reserved by Lambda (credentials)'),
  set('artifact.envVar', '_HANDLER', 'envVar reserved by Lambda (handler)'),
  set('artifact.envVar', 'PATH=/tmp', 'envVar with =', 'artifact.envVar'),
  // ---- huge strings and collections
  set('target.functionName', huge, 'huge function name'),
  set('target.alias', huge, 'huge alias'),
  set('description', huge, 'huge description'),
  set('startedBy', huge, 'huge startedBy'),
  set('artifact.uri', `s3://models/${huge}`, 'huge artifact URI'),
  set('smokeTest.cases.0.name', huge, 'huge smoke case name'),
  set('smokeTest.cases.0.expect.1.regex', huge, 'huge regex'),
  set('smokeTest.cases', Array.from({ length: 10_000 }, (_, i) => ({ name: `c${i}`, input: {} })), '10,000 smoke cases'),
  set('strategy.steps', Array.from({ length: 1_000 }, (_, i) => i / 10 + 0.1), '1,000 canary steps'),
  set('alarms.names', Array.from({ length: 1_000 }, (_, i) => `alarm-${i}`), '1,000 alarm names'),
  set('smokeTest.cases.0.input', { text: 'y'.repeat(MAX_INPUT_BYTES * 2) }, 'a smoke input larger than the state can carry', 'smokeTest'),
  // ---- numbers: NaN, Infinity, out of range
  set('bake.seconds', Number.NaN, 'bake.seconds NaN'),
  set('bake.seconds', Number.POSITIVE_INFINITY, 'bake.seconds Infinity'),
  set('retention.seconds', Number.NEGATIVE_INFINITY, 'retention.seconds -Infinity'),
  set('strategy.steps', [Number.NaN], 'a NaN canary step', 'strategy.steps.0'),
  set('strategy.steps', [Number.POSITIVE_INFINITY], 'an Infinity canary step', 'strategy.steps.0'),
  set('strategy.steps', [50, 10], 'decreasing canary steps'),
  set('strategy.steps', [0], 'a 0 % canary step', 'strategy.steps.0'),
  set('strategy.steps', [100], 'a 100 % canary step', 'strategy.steps.0'),
  set('strategy.steps', [12.345], 'a canary step with three decimals', 'strategy.steps.0'),
  set('strategy.stepSeconds', -1, 'negative stepSeconds'),
  set('bake.pollSeconds', 0, 'bake polled every 0 s'),
  set('bake.seconds', 1.5, 'fractional bake seconds'),
  set('retention.seconds', 1e12, 'retention of 30,000 years'),
  set('retention.pollSeconds', 1, 'retention polled every second (history budget)'),
  set('alarms.errorRateThreshold', 2, 'error rate above 1'),
  set('alarms.errorRateThreshold', Number.NaN, 'error rate NaN'),
  set('alarms.periodSeconds', 45, 'a period CloudWatch does not have'),
  set('alarms.latencyP95Ms', -10, 'negative latency threshold'),
  set('smokeTest.goldenSet.concurrency', 10_000, 'golden set concurrency 10,000'),
  set('smokeTest.goldenSet.maxPassRateDrop', Number.NaN, 'maxPassRateDrop NaN'),
  // ---- checks that would fail only after green was published
  set('smokeTest.cases.0.expect.1.regex', '(', 'a regex that does not compile'),
  set('smokeTest.cases.0.expect.0', { path: 'label', equals: 'billing', regex: '^b' }, 'a check with two matchers'),
  set('smokeTest.goldenSet', { uri: 's3://my-golden-sets/ai-handler/golden-set.jsonl', outputSchema: { type: 12 } }, 'an output schema that does not compile', 'smokeTest.goldenSet.outputSchema'),
  // ---- prototype pollution and odd keys
  { name: '__proto__ at the top', input: json(`{"__proto__": {"polluted": true}, "target": ${JSON.stringify(base.target)}}`), field: '__proto__' },
  { name: '__proto__ in target', input: json(`{"target": {"kind": "lambda-alias", "functionName": "ai-handler", "alias": "production", "__proto__": {"alias": "x"}}}`), field: 'target.__proto__' },
  { name: '__proto__ in bake', input: json(`{"target": ${JSON.stringify(base.target)}, "bake": {"__proto__": {"seconds": 1}}}`), field: 'bake.__proto__' },
  { name: 'constructor.prototype at the top', input: { ...base, constructor: { prototype: { polluted: true } } }, field: 'constructor' },
  { name: 'prototype key in alarms', input: withValue(base, 'alarms.prototype', { polluted: true }), field: 'alarms.prototype' },
  { name: 'unknown field with a typo', input: { ...base, retension: { seconds: 60 } }, field: 'retension' },
  { name: 'a huge unknown key', input: { ...base, ['k'.repeat(100_000)]: 1 }, field: 'k'.repeat(100_000) },
  // ---- deeply nested objects
  set('description', nested(100_000), 'description 100,000 levels deep'),
  { name: 'an unknown field 100,000 levels deep', input: { ...base, extra: nested(100_000) }, field: 'extra' },
  set('smokeTest.cases.0.input', nested(20_000), 'a smoke input 20,000 levels deep'),
  set('smokeTest.cases.0.expect.0.equals', nested(1_000), 'an expected value 1,000 levels deep'),
  set('target', nested(50_000), 'target 50,000 levels deep', 'target'),
];
