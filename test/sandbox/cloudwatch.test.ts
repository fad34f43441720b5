/**
 * Contract tests: the sandbox's CloudWatch (metrics, metric math, alarms
 * evaluated from recorded datapoints) through the real @aws-sdk/client-cloudwatch.
 * timeScale 60: one wall second is one simulated minute, so 60 s alarm periods
 * are evaluated every wall second.
 */
import {
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, eventually, rejection } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true, timeScale: 60 });
  c = clientsFor(sandbox);
});

afterAll(async () => {
  c.destroy();
  await sandbox.stop();
});

async function alarm(name: string): Promise<MetricAlarm | undefined> {
  const out = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  return out.MetricAlarms?.[0];
}

describe('PutMetricData / GetMetricData', () => {
  it('aggregates per period and evaluates metric-math expressions over query ids', async () => {
    // Prepare: 4 requests and 1 error in one minute, 10 requests and no error in the next (virtual time).
    const minute = Math.floor(sandbox.clock.now() / 60_000) * 60_000 - 10 * 60_000;
    const put = (name: string, at: number, values: number[]) =>
      c.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'Test/Math', MetricData: [{ MetricName: name, Timestamp: new Date(at), Values: values, Unit: 'Count' }] }));
    await put('Requests', minute + 1_000, [1, 1, 1, 1]);
    await put('Failures', minute + 2_000, [1]);
    await put('Requests', minute + 61_000, Array.from({ length: 10 }, () => 1));
    await put('Failures', minute + 62_000, [0]);
    const stat = (id: string, name: string) => ({ Id: id, ReturnData: false, MetricStat: { Metric: { Namespace: 'Test/Math', MetricName: name }, Period: 60, Stat: 'Sum' } });

    // Act
    const out = await c.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute),
        EndTime: new Date(minute + 120_000),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [stat('f', 'Failures'), stat('r', 'Requests'), { Id: 'rate', Expression: '100 * f / r', Label: 'error rate' }],
      }),
    );

    // Assess
    expect(out.MetricDataResults).toHaveLength(1);
    const rate = out.MetricDataResults?.[0];
    expect(rate).toMatchObject({ Id: 'rate', Label: 'error rate', StatusCode: 'Complete', Values: [25, 0] });
    expect(rate?.Timestamps?.map((t) => t.getTime())).toEqual([minute, minute + 60_000]);
  });

  it('turns EMF lines printed by a handler into metrics', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'emf', 'emf');

    // Act
    for (const latencyMs of [10, 20, 30, 40]) await c.lambda.send(new InvokeCommand({ FunctionName: 'emf', Payload: Buffer.from(JSON.stringify({ latencyMs })) }));
    const now = sandbox.clock.now();
    const out = await c.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: [
          { Id: 'max', MetricStat: { Metric: { Namespace: 'Cutover/Fixture', MetricName: 'ModelLatency', Dimensions: [{ Name: 'Service', Value: 'fixture' }] }, Period: 3600, Stat: 'Maximum' } },
          { Id: 'n', MetricStat: { Metric: { Namespace: 'Cutover/Fixture', MetricName: 'ModelLatency', Dimensions: [{ Name: 'Service', Value: 'fixture' }] }, Period: 3600, Stat: 'SampleCount' } },
        ],
      }),
    );
    const total = (id: string, reduce: (a: number, b: number) => number) => (out.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce(reduce, 0);

    // Assess
    expect(total('n', (a, b) => a + b)).toBe(4);
    expect(total('max', Math.max)).toBe(40);
  });
});

describe('metric alarms', () => {
  it('starts INSUFFICIENT_DATA, goes OK on healthy invocations, then ALARM on real invocation errors (metric math)', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'model', 'fail');
    const metric = (id: string, name: string) => ({
      Id: id,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [{ Name: 'FunctionName', Value: 'model' }] }, Period: 60, Stat: 'Sum' },
    });
    await c.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'model-error-rate',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        Metrics: [metric('errors', 'Errors'), metric('invocations', 'Invocations'), { Id: 'e1', Expression: '100*errors/invocations', ReturnData: true }],
      }),
    );
    const initial = await alarm('model-error-rate');
    const invoke = (fail: boolean) => c.lambda.send(new InvokeCommand({ FunctionName: 'model', Payload: Buffer.from(JSON.stringify(fail ? { fail: 'bad answer' } : {})) }));

    // Act
    for (let i = 0; i < 10; i++) await invoke(false);
    const ok = await eventually(() => alarm('model-error-rate'), (a) => a?.StateValue === 'OK', 20_000);
    for (let i = 0; i < 10; i++) await invoke(true);
    const alarmed = await eventually(() => alarm('model-error-rate'), (a) => a?.StateValue === 'ALARM', 20_000);

    // Assess
    expect(initial).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', StateReason: 'Unchecked: Initial alarm creation' });
    expect(ok?.StateValue).toBe('OK');
    expect(alarmed?.StateValue).toBe('ALARM');
    expect(alarmed?.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[\d+\.\d+ \(.+\)\] was greater than the threshold \(5\)/);
    expect(alarmed?.StateUpdatedTimestamp?.getTime()).toBeGreaterThan(ok?.StateUpdatedTimestamp?.getTime() ?? Infinity);
    const history = await c.cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: 'model-error-rate', HistoryItemType: 'StateUpdate' }));
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(expect.arrayContaining(['Alarm updated from INSUFFICIENT_DATA to OK', 'Alarm updated from OK to ALARM']));
  });

  it('evaluates a percentile (ExtendedStatistic) alarm on a single metric', async () => {
    // Prepare: 20 latencies 100..2000 ms now, p95 = 1900 ms.
    await c.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'latency-p95',
        Namespace: 'Test/Latency',
        MetricName: 'Latency',
        ExtendedStatistic: 'p95',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1500,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );

    // Act
    await c.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'Test/Latency', MetricData: [{ MetricName: 'Latency', Values: Array.from({ length: 20 }, (_, i) => (i + 1) * 100), Unit: 'Milliseconds' }] }));
    const alarmed = await eventually(() => alarm('latency-p95'), (a) => a?.StateValue === 'ALARM', 20_000);

    // Assess
    expect(alarmed).toMatchObject({ StateValue: 'ALARM', ExtendedStatistic: 'p95', TreatMissingData: 'missing' });
    expect(alarmed?.StateReason).toContain('1900.0');
  });

  it('lets SetAlarmState override the state until the next evaluation, and DeleteAlarms remove it', async () => {
    // Prepare
    await c.cloudwatch.send(
      new PutMetricAlarmCommand({ AlarmName: 'quiet', Namespace: 'Test/None', MetricName: 'Nothing', Statistic: 'Sum', Period: 60, EvaluationPeriods: 2, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' }),
    );
    await eventually(() => alarm('quiet'), (a) => a?.StateValue === 'OK', 20_000);

    // Act
    await c.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'quiet', StateValue: 'ALARM', StateReason: 'drill' }));
    const forced = await alarm('quiet');
    const back = await eventually(() => alarm('quiet'), (a) => a?.StateValue === 'OK', 20_000);
    const missing = await rejection(c.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'no-such-alarm', StateValue: 'OK', StateReason: 'x' })));
    await c.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ['quiet'] }));
    const listed = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'qui' }));

    // Assess
    expect(forced).toMatchObject({ StateValue: 'ALARM', StateReason: 'drill' });
    expect(back?.StateValue).toBe('OK');
    expect(missing.name).toBe('ResourceNotFound');
    expect(listed.MetricAlarms).toEqual([]);
  });

  it('refuses an invalid period (InvalidParameterValueException)', async () => {
    // Act
    const err = await rejection(
      c.cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: 'bad', Namespace: 'X', MetricName: 'Y', Statistic: 'Sum', Period: 45, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' })),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterValueException');
  });
});

/**
 * CloudWatch over the AWS query protocol, as the AWS CLI and botocore send it
 * (botocore's cloudwatch/2010-08-01 model: `"protocol": "query"`, output
 * `resultWrapper` `DescribeAlarmsResult`, …). Smithy's awsQuery specification
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html): requests are
 * "POST with an application/x-www-form-urlencoded Content-Type", responses XML;
 * list items are `<member>` elements unless flattened; errors are
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
 */
describe('the query protocol (what the AWS CLI sends)', () => {
  /** A form-encoded POST signed (in form) for CloudWatch's signing name, `monitoring`. */
  async function query(params: Record<string, string>): Promise<{ status: number; xml: string }> {
    const res = await fetch(`${sandbox.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: 'AWS4-HMAC-SHA256 Credential=sandbox/20261202/us-east-1/monitoring/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0',
      },
      body: new URLSearchParams({ Version: '2010-08-01', ...params }).toString(),
    });
    return { status: res.status, xml: await res.text() };
  }

  it('PutMetricAlarm from flattened members, DescribeAlarms as <member> elements with ISO 8601 timestamps; the JSON protocol sees the same alarm', async () => {
    // Prepare
    const put = await query({
      Action: 'PutMetricAlarm',
      AlarmName: 'query-errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      'Dimensions.member.1.Name': 'FunctionName',
      'Dimensions.member.1.Value': 'fn',
      Statistic: 'Sum',
      Period: '60',
      EvaluationPeriods: '2',
      Threshold: '1.5',
      ComparisonOperator: 'GreaterThanThreshold',
      'AlarmActions.member.1': 'arn:aws:sns:us-east-1:000000000000:ops',
      OKActions: '', // botocore sends an empty list as the bare key
      ActionsEnabled: 'false',
    });

    // Act
    const described = await query({ Action: 'DescribeAlarms', 'AlarmNames.member.1': 'query-errors', 'AlarmNames.member.2': 'no-such-alarm' });
    const viaJson = await alarm('query-errors');

    // Assess
    expect(put.status).toBe(200);
    expect(put.xml).toMatch(/<PutMetricAlarmResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><ResponseMetadata><RequestId>[\w-]+<\/RequestId><\/ResponseMetadata><\/PutMetricAlarmResponse>$/);
    expect(described.status).toBe(200);
    expect(described.xml).toContain('<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmsResult><CompositeAlarms></CompositeAlarms><MetricAlarms><member><AlarmName>query-errors</AlarmName>');
    expect(described.xml).toContain('<ActionsEnabled>false</ActionsEnabled><OKActions></OKActions><AlarmActions><member>arn:aws:sns:us-east-1:000000000000:ops</member></AlarmActions>');
    expect(described.xml).toContain('<Dimensions><member><Name>FunctionName</Name><Value>fn</Value></member></Dimensions><Period>60</Period>');
    expect(described.xml).toMatch(/<StateUpdatedTimestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/StateUpdatedTimestamp>/);
    expect(described.xml).toContain('<Threshold>1.5</Threshold>');
    expect(described.xml).toMatch(/<\/DescribeAlarmsResult><ResponseMetadata><RequestId>/);
    expect(viaJson).toMatchObject({ AlarmName: 'query-errors', EvaluationPeriods: 2, Threshold: 1.5, ActionsEnabled: false, OKActions: [], Dimensions: [{ Name: 'FunctionName', Value: 'fn' }] });
  });

  it('PutMetricData (MetricData.member.N) then GetMetricStatistics: Datapoints as <member>, the period start in ISO 8601', async () => {
    // Prepare
    const at = new Date(Math.floor(sandbox.clock.now() / 60_000) * 60_000 - 5 * 60_000);
    const put = await query({
      Action: 'PutMetricData',
      Namespace: 'Test/Query',
      'MetricData.member.1.MetricName': 'Latency',
      'MetricData.member.1.Timestamp': new Date(at.getTime() + 1_000).toISOString(),
      'MetricData.member.1.Value': '42',
      'MetricData.member.1.Unit': 'Milliseconds',
      'MetricData.member.1.Dimensions.member.1.Name': 'Route',
      'MetricData.member.1.Dimensions.member.1.Value': '/classify',
    });

    // Act
    const stats = await query({
      Action: 'GetMetricStatistics',
      Namespace: 'Test/Query',
      MetricName: 'Latency',
      'Dimensions.member.1.Name': 'Route',
      'Dimensions.member.1.Value': '/classify',
      StartTime: new Date(at.getTime() - 60_000).toISOString(),
      EndTime: new Date(at.getTime() + 120_000).toISOString(),
      Period: '60',
      'Statistics.member.1': 'Maximum',
      Unit: 'Milliseconds',
    });

    // Assess
    expect(put.status).toBe(200);
    expect(stats.status).toBe(200);
    expect(stats.xml).toContain(`<GetMetricStatisticsResult><Label>Latency</Label><Datapoints><member><Timestamp>${at.toISOString()}</Timestamp><Maximum>42</Maximum><Unit>Milliseconds</Unit></member></Datapoints></GetMetricStatisticsResult>`);
  });

  it('answers errors as <ErrorResponse> with the query error code: ResourceNotFound, MissingParameter, InvalidAction', async () => {
    // Act
    const notFound = await query({ Action: 'SetAlarmState', AlarmName: 'no-such-alarm', StateValue: 'OK', StateReason: 'test' });
    const missing = await query({ Action: 'PutMetricData', 'MetricData.member.1.MetricName': 'm', 'MetricData.member.1.Value': '1' });
    const unknown = await query({ Action: 'DescribeAnomalyDetectorz' });

    // Assess
    // botocore's model: ResourceNotFound is `"error": {"code": "ResourceNotFound", "httpStatusCode": 404, "senderFault": true}`.
    expect(notFound.status).toBe(404);
    expect(notFound.xml).toMatch(/<ErrorResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><Error><Type>Sender<\/Type><Code>ResourceNotFound<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[\w-]+<\/RequestId><\/ErrorResponse>$/);
    // MissingRequiredParameterException's query code is MissingParameter (400).
    expect([missing.status, /<Code>([^<]+)<\/Code>/.exec(missing.xml)?.[1]]).toEqual([400, 'MissingParameter']);
    // Common Errors: "InvalidAction — The action or operation requested is invalid. Verify that the action is typed correctly. HTTP Status Code: 400".
    expect([unknown.status, /<Code>([^<]+)<\/Code>/.exec(unknown.xml)?.[1]]).toEqual([400, 'InvalidAction']);
  });
});

/*
 * DescribeAlarms "returns paginated results": MaxRecords, "The maximum number of alarm descriptions to
 * retrieve", is 1 to 100 (the API model: MaxRecords min 1, max 100), and NextToken is "The token returned by
 * a previous call to indicate that there is more data available."
 * — https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 * The default page size is not documented; a report puts it at 50, the sandbox's default (a parameter).
 */
describe('DescribeAlarms paging', () => {
  const names = Array.from({ length: 120 }, (_, i) => `paged-${String(i).padStart(3, '0')}`);

  beforeAll(async () => {
    for (const AlarmName of names) {
      await c.cloudwatch.send(
        new PutMetricAlarmCommand({ AlarmName, Namespace: 'Paging', MetricName: 'M', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }),
      );
    }
  });

  it('answers 50 alarms a page by default, then a NextToken that leads through the rest', async () => {
    // Prepare
    const seen: string[] = [];
    const sizes: number[] = [];
    let NextToken: string | undefined;

    // Act
    do {
      const page = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(0, 100), ...(NextToken ? { NextToken } : {}) }));
      sizes.push(page.MetricAlarms?.length ?? 0);
      seen.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName!));
      NextToken = page.NextToken;
    } while (NextToken && sizes.length < 10);

    // Assess
    expect(sizes).toEqual([50, 50]);
    expect(seen).toEqual(names.slice(0, 100));
  });

  it('takes MaxRecords from 1 to 100 and refuses 0 and 101', async () => {
    // Act
    const one = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'paged-', MaxRecords: 100 }));
    const zero = await rejection(c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'paged-', MaxRecords: 0 })));
    const tooMany = await rejection(c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'paged-', MaxRecords: 101 })));

    // Assess
    expect(one.MetricAlarms).toHaveLength(100);
    expect(one.NextToken).toBeDefined();
    // Refused by the model's range (MaxRecords min 1, max 100), as AWS answers a constraint violation.
    expect(zero.name).toBe('ValidationException');
    expect(zero.message).toMatch(/Value '0' at 'maxRecords' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    expect(tooMany.name).toBe('ValidationException');
    expect(tooMany.message).toMatch(/Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100/);
  });
});
