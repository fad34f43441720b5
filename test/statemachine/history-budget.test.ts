import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { clients } from '../../functions/kit/clients';
import { releaseInputSchema } from '../../core/release-input';
import { BUDGET, historyBudget } from '../../statemachine/history-budget';
import { startLedgerTable } from '../support/dynalite';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { FakeSageMaker } from '../support/fake-sagemaker';
import { runRelease } from '../support/run-release';

/**
 * The history budget of statemachine/README.md, checked by running the real
 * definition with production durations (waits skipped) and counting the
 * events Step Functions would write.
 */
let table: Awaited<ReturnType<typeof startLedgerTable>>;
const lambda = new FakeLambda();
new FakeCloudWatch(); // mocks CloudWatch: release alarms start OK
mockClient(SFNClient).on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });

beforeAll(async () => {
  table = await startLedgerTable('cutover-budget-test');
});
afterAll(async () => {
  clients.dynamo().destroy();
  await table.stop();
});

const defaultRelease = { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' } } as const;

describe('execution history budget', () => {
  it('a default release (10 min bake polled every 30 s, 48 h retention polled every 300 s) stays under 10,000 events', async () => {
    // Prepare
    lambda.seed('production');
    lambda.code = `code-${Math.random()}`; // a new build on $LATEST
    const spec = releaseInputSchema.parse(defaultRelease);
    // Act
    const run = await runRelease(defaultRelease);
    // Assess
    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const budget = historyBudget(spec);
    expect(run.visited.filter((s) => s === 'CheckAlarms')).toHaveLength(20 + 576);
    expect(run.historyEvents).toBe(budget.events);
    expect(budget.events).toBeLessThan(BUDGET);
  }, 120_000);

  it('a canary release costs what the formula says', async () => {
    // Prepare
    lambda.seed('production');
    lambda.code = `code-${Math.random()}`; // a new build on $LATEST
    const input = { ...defaultRelease, strategy: { type: 'canary', steps: [10, 50], stepSeconds: 300 }, retention: { seconds: 3600, pollSeconds: 300 } };
    // Act
    const run = await runRelease(input);
    // Assess
    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(run.historyEvents).toBe(historyBudget(releaseInputSchema.parse(input)).events);
  }, 60_000);

  it('a SageMaker release adds its readiness polls (counted at their bound) and nothing else but retries', async () => {
    // Prepare: 4 readiness checks allowed (120 s / 30 s) and the endpoint update ends at the 4th.
    const sm = new FakeSageMaker();
    sm.seed();
    sm.models.set('ticket-intent-v2', {});
    sm.updateDescribes = 4;
    process.env.CUTOVER_SAGEMAKER_BUSY_WAIT_MS = '0';
    const input = {
      target: { kind: 'sagemaker-endpoint', endpointName: 'ai-endpoint', greenModel: { modelName: 'ticket-intent-v2' }, readyTimeoutSeconds: 120, readyPollSeconds: 30 },
      retention: { seconds: 600, pollSeconds: 300 },
    };
    try {
      // Act
      const run = await runRelease(input);
      // Assess: Decommission waits for its endpoint update through TargetBusy retries, 3 events each.
      expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      const spec = releaseInputSchema.parse(input);
      const budget = historyBudget({ ...spec, readiness: { seconds: 120, pollSeconds: 30 } });
      expect(run.visited.filter((s) => s === 'CheckGreenReady')).toHaveLength(4);
      expect(run.historyEvents).toBe(budget.events + 3 * (run.attempts.Decommission! - 1));
    } finally {
      delete process.env.CUTOVER_SAGEMAKER_BUSY_WAIT_MS;
      sm.mock.restore();
      sm.runtime.restore();
    }
  }, 60_000);

  it('durations that would blow the budget are rejected before anything starts', async () => {
    // Prepare
    const input = { ...defaultRelease, retention: { seconds: 172_800, pollSeconds: 10 } };
    // Act
    const run = await runRelease(input);
    // Assess
    expect(run.error).toBe('InvalidReleaseInput');
    expect(run.cause).toMatch(/retention\.pollSeconds: these durations need about \d+ execution history events/);
  });
});
