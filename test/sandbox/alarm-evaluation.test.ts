/**
 * Alarm evaluation rules (CloudWatch documentation: "Configuring how CloudWatch
 * alarms treat missing data" and "Evaluating an alarm"), on a virtual clock,
 * without a server: TreatMissingData and M-out-of-N.
 */
import { VirtualClock } from '../../sandbox/clock';
import { AlarmBook, type PutMetricAlarmInput } from '../../sandbox/services/cloudwatch-alarms';
import { MetricStore } from '../../sandbox/services/cloudwatch-metrics';

const PERIOD_MS = 60_000;
const metric = { Namespace: 'Test', MetricName: 'Errors', Dimensions: [] };

function setup() {
  // A round origin keeps period boundaries predictable.
  const clock = new VirtualClock(1, Math.floor(Date.now() / PERIOD_MS) * PERIOD_MS + 30_000);
  const store = new MetricStore(() => clock.now());
  const book = new AlarmBook(store, clock, 'arn:aws:cloudwatch:eu-west-1:000000000000:alarm:');
  const put = (input: Partial<PutMetricAlarmInput>) =>
    book.put({ AlarmName: 'a', ...metric, Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', ...input });
  /** Records `value` in the period `periodsAgo` periods before the current one. */
  const record = (periodsAgo: number, value: number) => {
    const current = Math.floor(clock.now() / PERIOD_MS) * PERIOD_MS;
    store.putValue(metric, current - periodsAgo * PERIOD_MS + 1_000, value, 'Count');
  };
  return { clock, book, put, record };
}

describe('TreatMissingData', () => {
  it.each([
    ['missing', 'INSUFFICIENT_DATA'],
    ['notBreaching', 'OK'],
    ['breaching', 'ALARM'],
  ] as const)('with no data at all, %s gives %s', (treat, expected) => {
    // Prepare
    const { book, put } = setup();
    put({ TreatMissingData: treat, EvaluationPeriods: 2 });

    // Act
    book.evaluateAll();

    // Assess
    expect(book.get('a')?.state).toBe(expected);
  });

  it('ignore keeps the current state when every datapoint is missing', () => {
    // Prepare
    const { book, put } = setup();
    put({ TreatMissingData: 'ignore' });
    book.setState('a', 'OK', 'set by test');

    // Act
    book.evaluateAll();

    // Assess
    expect(book.get('a')).toMatchObject({ state: 'OK', reason: 'set by test' });
  });
});

describe('DatapointsToAlarm (M out of N)', () => {
  it('alarms when 2 of the last 3 periods breach, and not when only 1 does', () => {
    // Prepare
    const two = setup();
    two.put({ EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    two.record(3, 5);
    two.record(2, 0);
    two.record(1, 4);
    const one = setup();
    one.put({ EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    one.record(3, 5);
    one.record(2, 0);
    one.record(1, 0);

    // Act
    two.book.evaluateAll();
    one.book.evaluateAll();

    // Assess
    expect(two.book.get('a')?.state).toBe('ALARM');
    expect(two.book.get('a')?.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints \[4\.0 .*, 0\.0 .*, 5\.0 .*\] were greater than or equal to the threshold \(1\)/);
    expect(one.book.get('a')?.state).toBe('OK');
  });

  it('counts the current period once it has data, and is evaluated again only when due', () => {
    // Prepare
    const { clock, book, put, record } = setup();
    put({});
    book.tick();
    const before = book.get('a')?.state;

    // Act
    record(0, 3);
    book.tick();
    const notDueYet = book.get('a')?.state;
    clock.advance(PERIOD_MS);
    record(0, 3);
    book.tick();

    // Assess
    expect(before).toBe('INSUFFICIENT_DATA');
    expect(notDueYet).toBe('INSUFFICIENT_DATA');
    expect(book.get('a')?.state).toBe('ALARM');
  });
});

describe('PutMetricAlarm validation', () => {
  it('refuses a metric-math expression it cannot parse, and a Metrics array without exactly one ReturnData', () => {
    // Prepare
    const { put } = setup();
    const stat = { Id: 'm', ReturnData: false, MetricStat: { Metric: metric, Period: 60, Stat: 'Sum' } };

    // Act & Assess
    expect(() => put({ Namespace: undefined, MetricName: undefined, Statistic: undefined, Metrics: [stat, { Id: 'e', Expression: '100 * (m', ReturnData: true }] })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValueException' }),
    );
    expect(() => put({ Namespace: undefined, MetricName: undefined, Statistic: undefined, Metrics: [stat] })).toThrow(expect.objectContaining({ code: 'ValidationException' }));
  });
});
