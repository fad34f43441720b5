import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { S3TriggerConfig } from '../../../triggers/start-release/config';
import { handler } from '../../../triggers/start-release/handler';
import { executionArnOf, startRelease } from '../../../triggers/start-release/start-release';
import { awsError } from '../../support/fake-lambda';
import { lambdaContext } from '../handlers/support';

const sfn = mockClient(SFNClient);
const client = new SFNClient({});
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cutover-release';
const config: S3TriggerConfig = {
  source: 's3',
  mappings: [{ prefix: 'models/ai-handler/', target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' } }],
};
const lines: string[] = [];
const log = { info: (m: string) => void lines.push(`info ${m}`), error: (m: string) => void lines.push(`error ${m}`) };
const deps = () => ({ sfn: client, stateMachineArn: MACHINE, config, log });
const event = (key: string) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'my-models' }, object: { key, etag: 'abc' } },
});

beforeEach(() => {
  sfn.reset();
  lines.length = 0;
});
afterAll(() => client.destroy());

describe('startRelease', () => {
  it('starts the execution with the derived name and the mapped input', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).callsFake((input) => ({ executionArn: executionArnOf(MACHINE, input.name), startDate: new Date() }));
    // Act
    const result = await startRelease(event('models/ai-handler/v2.json'), deps());
    // Assess
    expect(result).toMatchObject({ status: 'started', name: expect.stringMatching(/^models-ai-handler-v2-json-/) });
    const input = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(input.stateMachineArn).toBe(MACHINE);
    expect(JSON.parse(input.input!)).toMatchObject({ artifact: { uri: 's3://my-models/models/ai-handler/v2.json' }, startedBy: 'eventbridge:s3 s3://my-models/models/ai-handler/v2.json' });
  });

  it('treats ExecutionAlreadyExists as a duplicate event: logged, not an error', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists', "Execution Already Exists: 'x'"));
    // Act
    const result = await startRelease(event('models/ai-handler/v2.json'), deps());
    // Assess
    expect(result).toMatchObject({ status: 'duplicate', executionArn: expect.stringContaining(':execution:cutover-release:models-ai-handler-v2-json-') });
    expect(lines).toEqual([expect.stringMatching(/^info duplicate event/)]);
  });

  it('starts nothing for an event it does not map, or cannot map to a valid input', async () => {
    // Act
    const ignored = await startRelease(event('other/file.bin'), deps());
    const rejected = await startRelease(event('models/ai-handler/with space.json'), deps());
    // Assess
    expect(ignored.status).toBe('ignored');
    expect(rejected.status).toBe('rejected');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(lines[1]).toMatch(/^error event rejected/);
  });

  it('throws other StartExecution errors (Lambda retries the asynchronous invocation)', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(awsError('StateMachineDoesNotExist'));
    // Act + Assess
    await expect(startRelease(event('models/ai-handler/v2.json'), deps())).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});

describe('handler (middy wiring)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['CUTOVER_TRIGGER_CONFIG', 'CUTOVER_STATE_MACHINE_ARN']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('reads the trigger configuration and the state machine from the environment; throttling becomes TransientAwsError', async () => {
    // Prepare
    process.env.CUTOVER_TRIGGER_CONFIG = JSON.stringify(config);
    process.env.CUTOVER_STATE_MACHINE_ARN = MACHINE;
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: `${MACHINE}:x`, startDate: new Date() }).rejects(awsError('ThrottlingException', 'slow down'));
    // Act
    const ok = await handler(event('models/ai-handler/v3.json'), lambdaContext('start-release'));
    const failed = handler(event('models/ai-handler/v4.json'), lambdaContext('start-release'));
    // Assess
    expect(ok).toMatchObject({ status: 'started' });
    await expect(failed).rejects.toMatchObject({ name: 'TransientAwsError' });
  });
});
