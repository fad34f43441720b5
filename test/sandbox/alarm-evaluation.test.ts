/**
 * Alarm evaluation rules (CloudWatch documentation: "Configuring how CloudWatch
 * alarms treat missing data" and "Evaluating an alarm"), on a virtual clock,
 * without a server: TreatMissingData, M-out-of-N, which periods are evaluated
 * and when, and 10/20/30 s periods on standard-resolution metrics.
 *
 * "Evaluation Periods is the number of the most recent periods, or data points,
 * to evaluate when determining alarm state. Datapoints to Alarm is the number of
 * data points within the Evaluation Periods that must be breaching to cause the
 * alarm to go to the ALARM state."
 * — https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html
 */
import { VirtualClock } from '../../sandbox/clock';
import { AlarmBook, type PutMetricAlarmInput } from '../../sandbox/services/cloudwatch-alarms';
import { MetricStore } from '../../sandbox/services/cloudwatch-metrics';

const PERIOD_MS = 60_000;
const metric = { Namespace: 'Test', MetricName: 'Errors', Dimensions: [] };

function setup(options: { offsetMs?: number; evaluationDelayMs?: number } = {}) {
  // A round origin keeps period boundaries predictable; a tiny time scale: the clock moves when told. The origin
  // is in the past, so the clock reads a hair after it, never before (before, a boundary reached by advance() is missed).
  const clock = new VirtualClock(1e-6, Math.floor(Date.now() / PERIOD_MS) * PERIOD_MS - PERIOD_MS + (options.offsetMs ?? 30_000));
  const store = new MetricStore(() => clock.now());
  const book = new AlarmBook(store, clock, 'arn:aws:cloudwatch:eu-west-1:000000000000:alarm:', options);
  const put = (input: Partial<PutMetricAlarmInput>) =>
    book.put({ AlarmName: 'a', ...metric, Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', ...input });
  /** Records `value` in the period `periodsAgo` periods before the current one. */
  const record = (periodsAgo: number, value: number) => {
    const current = Math.floor(clock.now() / PERIOD_MS) * PERIOD_MS;
    store.putValue(metric, current - periodsAgo * PERIOD_MS + 1_000, value, 'Count');
  };
  return { clock, store, book, put, record, states: new Set<string>() };
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

  it('is evaluated again only when due, at the next minute boundary', () => {
    // Prepare
    const { clock, book, put, record } = setup();
    put({});
    book.tick();
    const before = book.get('a')?.state;

    // Act
    record(0, 3);
    book.tick();
    const notDueYet = book.get('a')?.state;
    clock.advance(PERIOD_MS / 2);
    book.tick();

    // Assess
    expect(before).toBe('INSUFFICIENT_DATA');
    expect(notDueYet).toBe('INSUFFICIENT_DATA');
    expect(book.get('a')?.state).toBe('ALARM');
  });
});

/*
 * "Period is the length of time to use to evaluate the metric or expression to create each individual
 * data point for an alarm." "Evaluation Periods is the number of the most recent periods, or data points,
 * to evaluate" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html):
 * a period is one data point once it is over. "If the alarm period is 10 seconds or 30 seconds, the alarm
 * is evaluated every 10 seconds" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html),
 * otherwise every minute.
 */
describe('which periods are evaluated, and when', () => {
  it('never evaluates a period still filling: a breaching point in it changes nothing until the period is over', () => {
    // Prepare
    const { clock, book, put, record } = setup();
    put({ Period: 300, TreatMissingData: 'notBreaching' });
    book.evaluateAll();
    const idle = book.get('a')?.state;

    // Act
    record(0, 5);
    book.evaluateAll();
    const filling = book.get('a')?.state;
    const periodEnd = Math.ceil(clock.now() / 300_000) * 300_000;
    clock.advance(periodEnd - clock.now());
    book.tick();

    // Assess
    expect(idle).toBe('OK');
    expect(filling).toBe('OK');
    expect(book.get('a')?.state).toBe('ALARM');
  });

  it('catches a breach at the same virtual time wherever in the period the alarm was made and its datapoint landed', () => {
    // Prepare: one alarm made 5 s into a minute, its breach 5 s later; one made at 40 s, its breach at 50 s.
    const runs = [
      [5_000, 5_000],
      [40_000, 10_000],
    ].map(([createdAt, breachAfter]) => {
      const run = setup({ offsetMs: createdAt });
      run.put({ TreatMissingData: 'notBreaching' });
      run.clock.advance(breachAfter);
      run.record(0, 5);
      return run;
    });

    // Act: tick every virtual second up to two minutes, noting when each goes to ALARM.
    const caughtAt = runs.map(({ clock, book }) => {
      const start = Math.floor(clock.now() / PERIOD_MS) * PERIOD_MS;
      for (let t = clock.now(); t < start + 2 * PERIOD_MS; t += 1_000) {
        clock.advance(1_000);
        book.tick();
        if (book.get('a')?.state === 'ALARM') return Math.round((clock.now() - start) / 1_000) * 1_000;
      }
      return undefined;
    });

    // Assess: at the end of the period, in both runs.
    expect(caughtAt).toEqual([PERIOD_MS, PERIOD_MS]);
  });

  it('waits the evaluation delay (metric arrival) after a period ends before evaluating it', () => {
    // Prepare
    const { clock, book, put, record } = setup({ evaluationDelayMs: 15_000 });
    put({ TreatMissingData: 'notBreaching' });
    record(0, 5);
    const periodEnd = Math.ceil(clock.now() / PERIOD_MS) * PERIOD_MS;

    // Act
    clock.advance(periodEnd + 10_000 - clock.now());
    book.tick();
    const beforeDelay = book.get('a')?.state;
    clock.advance(5_000);
    book.tick();

    // Assess
    expect(beforeDelay).not.toBe('ALARM');
    expect(book.get('a')?.state).toBe('ALARM');
  });
});

/*
 * "Be sure to specify 10, 20, or 30 only for metrics that are stored by a PutMetricData call with a
 * StorageResolution of 1. If you specify a period of 10, 20, or 30 for a metric that does not have
 * sub-minute resolution, the alarm still attempts to gather data at the period rate that you specify.
 * In this case, it does not receive data for the attempts that do not correspond to a one-minute data
 * resolution, and the alarm might often lapse into INSUFFICENT_DATA status."
 * — https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (Period)
 */
describe('10/20/30 s periods', () => {
  it.each([10, 20, 30])('a %i s alarm on a standard-resolution metric sees no datapoints (INSUFFICIENT_DATA); on a high-resolution one it does', (period) => {
    // Prepare
    const standard = setup({ offsetMs: 0 });
    const high = setup({ offsetMs: 0 });
    for (const run of [standard, high]) run.put({ Period: period });

    // Act: a breaching sample every second for two minutes, evaluated as CloudWatch does (every 10 s).
    for (const [run, highResolution] of [[standard, false], [high, true]] as const) {
      for (let i = 0; i < 120; i++) {
        run.store.putValue(metric, run.clock.now(), 5, 'Count', 1, highResolution);
        run.clock.advance(1_000);
        run.book.tick();
        run.states.add(run.book.get('a')?.state ?? '');
      }
    }

    // Assess
    expect([...standard.states]).toEqual(['INSUFFICIENT_DATA']);
    expect(high.book.get('a')?.state).toBe('ALARM');
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
