/**
 * Contract test: a Lambda target is invoked asynchronously, and Lambda runs a function that fails twice more —
 * "If the function returns an error, Lambda attempts to run it two more times, with a one-minute wait between
 * the first two attempts, and two minutes between the second and third attempts."
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). The orchestrator's
 * reconciler relies on it. timeScale 1,000: the three minutes take 0.18 wall seconds.
 */
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;
let events: EventBridgeClient;

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true, timeScale: 1000 });
  c = clientsFor(sandbox);
  events = new EventBridgeClient({ ...sandbox.clientConfig, maxAttempts: 1 });
  await createFixtureFunction(c.lambda, 'eb-fail', 'fail');
  await events.send(new PutRuleCommand({ Name: 'to-fail', EventPattern: JSON.stringify({ source: ['cutover'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'to-fail', Targets: [{ Id: 'fn', Arn: sandbox.lambda.functionArn('eb-fail'), InputPath: '$.detail' }] }));
});

afterAll(async () => {
  c.destroy();
  events.destroy();
  await sandbox.stop();
});

const put = (detail: object) => events.send(new PutEventsCommand({ Entries: [{ Source: 'cutover', DetailType: 'Test', Detail: JSON.stringify(detail) }] }));

it('runs a Lambda target whose function fails three times in all, one minute and then two minutes apart', async () => {
  // Prepare
  const before = sandbox.eventbridge.deliveries().length;
  const started: number[] = [];
  const invoke = sandbox.lambda.invoke.bind(sandbox.lambda);
  sandbox.lambda.invoke = async (req) => {
    started.push(sandbox.clock.now());
    return invoke(req);
  };

  // Act
  await put({ fail: 'not yet' });
  await sandbox.eventbridge.settle();
  sandbox.lambda.invoke = invoke;

  // Assess
  const delivery = sandbox.eventbridge.deliveries().slice(before)[0]!;
  expect(delivery).toMatchObject({ status: 'failed', attempts: 3 });
  expect(JSON.parse(delivery.error!)).toMatchObject({ errorType: 'QualityGateFailed', errorMessage: 'not yet' });
  expect(started).toHaveLength(3);
  expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(60_000);
  expect(started[2]! - started[1]!).toBeGreaterThanOrEqual(120_000);
});

it('runs a function that succeeds once', async () => {
  // Prepare
  const before = sandbox.eventbridge.deliveries().length;

  // Act
  await put({ ok: true });
  await sandbox.eventbridge.settle();

  // Assess
  expect(sandbox.eventbridge.deliveries().slice(before)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
});
