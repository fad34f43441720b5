import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { readAlarms } from '../../../core/alarm-reader';
import { checkAlarms } from '../../../functions/check-alarms/check-alarms';
import { handler } from '../../../functions/check-alarms/handler';
import { nextAction } from '../../../functions/check-alarms/next-action';
import { verdictOf, type AlarmReading, type AlarmVerdict } from '../../../functions/check-alarms/verdict';
import type { ReleaseSpec } from '../../../core/release-input';
import type { MonitoringState, Progress } from '../../../core/release-state';
import { nextStep } from '../../../functions/shift-traffic/plan';
import { FakeCloudWatch } from '../../support/fake-cloudwatch';
import { awsError } from '../../support/fake-lambda';
import { clock, greenOf, holdLock, itemOf, lambdaContext, NOW, rejectionOf, releaseContext, useLedger } from './support';

const reading = (name: string, state: string, reason?: string): AlarmReading => ({ name, state, ...(reason ? { reason } : {}) });
const healthy: AlarmVerdict = { verdict: 'Healthy', breached: [], inconclusive: [], stillIgnored: [] };
const inconclusive: AlarmVerdict = { verdict: 'Inconclusive', breached: [], inconclusive: [reading('p95', 'INSUFFICIENT_DATA')], stillIgnored: [] };
const breached: AlarmVerdict = { verdict: 'Breached', breached: [reading('errors', 'ALARM', 'Threshold crossed')], inconclusive: [], stillIgnored: [] };

/** A spec with the given durations (the release-input defaults otherwise). */
function specWith(overrides: object = {}): ReleaseSpec {
  return releaseContext(overrides).spec;
}

/** The progress ShiftTraffic hands over at its first step. */
const firstStep = (spec: ReleaseSpec) => nextStep(spec, undefined, NOW.toISOString());

describe('verdictOf', () => {
  it('is Healthy when every alarm is OK', () => {
    expect(verdictOf([reading('a', 'OK'), reading('b', 'OK')], []).verdict).toBe('Healthy');
  });

  it('is Breached when any alarm is in ALARM, listing it, even if others have no data', () => {
    // Act
    const v = verdictOf([reading('a', 'OK'), reading('b', 'ALARM'), reading('c', 'INSUFFICIENT_DATA')], []);

    // Assess
    expect(v.verdict).toBe('Breached');
    expect(v.breached.map((r) => r.name)).toEqual(['b']);
  });

  it('is Inconclusive when an alarm has no data or no longer exists (not proven healthy)', () => {
    expect(verdictOf([reading('a', 'OK'), reading('b', 'INSUFFICIENT_DATA')], []).verdict).toBe('Inconclusive');
    expect(verdictOf([reading('a', 'MISSING')], []).inconclusive.map((r) => r.name)).toEqual(['a']);
  });

  it('is Healthy with no alarms at all', () => {
    expect(verdictOf([], []).verdict).toBe('Healthy');
  });

  it('ignores a pre-existing alarm while it stays in ALARM', () => {
    // Act
    const v = verdictOf([reading('old', 'ALARM'), reading('new', 'OK')], ['old']);

    // Assess
    expect(v).toEqual({ verdict: 'Healthy', breached: [], inconclusive: [], stillIgnored: ['old'] });
  });

  it('counts a pre-existing alarm again once it has been seen out of ALARM', () => {
    // Prepare: it clears at one poll...
    const cleared = verdictOf([reading('old', 'OK')], ['old']);

    // Act: ...and fires again at the next.
    const again = verdictOf([reading('old', 'ALARM')], cleared.stillIgnored);

    // Assess
    expect(cleared.stillIgnored).toEqual([]);
    expect(again.verdict).toBe('Breached');
  });

  it('property: the verdict is Breached iff a counted alarm is in ALARM, else Inconclusive iff one is not OK', () => {
    const states = fc.constantFrom('OK', 'ALARM', 'INSUFFICIENT_DATA', 'MISSING');
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), states), { selector: ([n]) => n }), fc.subarray(['a', 'b', 'c']), (rows, ignored) => {
        const readings = rows.map(([n, s]) => reading(n, s));
        const v = verdictOf(readings, ignored);
        const counted = readings.filter((r) => !(ignored.includes(r.name) && r.state === 'ALARM'));
        const expected = counted.some((r) => r.state === 'ALARM') ? 'Breached' : counted.some((r) => r.state !== 'OK') ? 'Inconclusive' : 'Healthy';
        expect(v.verdict).toBe(expected);
        expect(v.stillIgnored.every((n) => ignored.includes(n))).toBe(true);
      }),
    );
  });
});

describe('nextAction', () => {
  it('waits another poll while time remains and the alarms are healthy or inconclusive', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 100, pollSeconds: 30 } });
    const p = firstStep(spec);

    // Act
    const afterOne = nextAction(spec, p, healthy, undefined);
    const inconclusiveMidBake = nextAction(spec, p, inconclusive, undefined);

    // Assess
    expect(afterOne).toMatchObject({ next: 'Wait', remainingSeconds: 70, waitSeconds: 30, polls: 1, verdict: 'Healthy', phase: 'bake' });
    expect(inconclusiveMidBake).toMatchObject({ next: 'Wait', verdict: 'Inconclusive' });
  });

  it('waits only what remains at the end of a phase (the last wait is short)', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 100, pollSeconds: 30 } });

    // Act
    const p3 = [1, 2, 3].reduce((p) => nextAction(spec, p, healthy, undefined), firstStep(spec));

    // Assess
    expect(p3).toMatchObject({ next: 'Wait', remainingSeconds: 10, waitSeconds: 10 });
  });

  it('rolls back at once on a breach, naming the alarm, the phase and the share', () => {
    // Prepare
    const spec = specWith();

    // Act
    const p = nextAction(spec, firstStep(spec), breached, undefined);

    // Assess
    expect(p).toMatchObject({ next: 'Rollback', waitSeconds: 0, verdict: 'Breached' });
    expect(p.reason).toBe('alarm during bake at 100 %: errors is ALARM (Threshold crossed)');
  });

  it('a manual rollback wins over everything, even a breach', () => {
    // Prepare
    const spec = specWith();

    // Act
    const p = nextAction(spec, firstStep(spec), breached, { by: 'alice', reason: 'answers sound off' });

    // Assess
    expect(p).toMatchObject({ next: 'ManualRollback', waitSeconds: 0, reason: 'manual rollback by alice: answers sound off' });
  });

  it('INSUFFICIENT_DATA at the end of the bake rolls back by default (not proven healthy)', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 30, pollSeconds: 30 } });

    // Act
    const p = nextAction(spec, firstStep(spec), inconclusive, undefined);

    // Assess
    expect(p).toMatchObject({ next: 'Rollback', phase: 'bake' });
    expect(p.reason).toBe('not proven healthy at the end of the bake at 100 %: p95 is INSUFFICIENT_DATA');
  });

  it("INSUFFICIENT_DATA at the end of the bake proceeds to retention with onInconclusive 'proceed'", () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 30, pollSeconds: 30, onInconclusive: 'proceed' } });

    // Act
    const p = nextAction(spec, firstStep(spec), inconclusive, undefined);

    // Assess
    expect(p).toMatchObject({ next: 'Wait', phase: 'retention' });
  });

  it('bake → retention: the retention duration and its lighter cadence take over', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 30, pollSeconds: 30 }, retention: { seconds: 600, pollSeconds: 300 } });

    // Act
    const p = nextAction(spec, firstStep(spec), healthy, undefined);

    // Assess
    expect(p).toMatchObject({ next: 'Wait', phase: 'retention', phaseSeconds: 600, remainingSeconds: 600, pollSeconds: 300, waitSeconds: 300 });
  });

  it('bake → Decommission at once when there is no retention', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 30, pollSeconds: 30 }, retention: { seconds: 0, pollSeconds: 300 } });

    // Act / Assess
    expect(nextAction(spec, firstStep(spec), healthy, undefined)).toMatchObject({ next: 'Decommission', phase: 'bake' });
  });

  it('retention → Decommission at its end (an inconclusive retention still ends)', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 30, pollSeconds: 30 }, retention: { seconds: 300, pollSeconds: 300 } });
    const retention = nextAction(spec, firstStep(spec), healthy, undefined);

    // Act
    const end = nextAction(spec, retention, inconclusive, undefined);

    // Assess
    expect(end).toMatchObject({ next: 'Decommission', phase: 'retention', remainingSeconds: 0 });
  });

  it('a breach during retention still rolls back', () => {
    // Prepare
    const spec = specWith({ bake: { seconds: 30, pollSeconds: 30 }, retention: { seconds: 600, pollSeconds: 300 } });
    const retention = nextAction(spec, firstStep(spec), healthy, undefined);

    // Act / Assess
    expect(nextAction(spec, retention, breached, undefined)).toMatchObject({ next: 'Rollback' });
  });

  it('canary → ShiftTraffic at the end of a healthy step; Rollback if it ends inconclusive', () => {
    // Prepare
    const spec = specWith({ strategy: { type: 'canary', steps: [10], stepSeconds: 60 }, bake: { seconds: 60, pollSeconds: 60 } });
    const p = firstStep(spec);

    // Act
    const healthyEnd = nextAction(spec, p, healthy, undefined);
    const inconclusiveEnd = nextAction(spec, p, inconclusive, undefined);

    // Assess
    expect(p).toMatchObject({ phase: 'canary', greenPercent: 10 });
    expect(healthyEnd).toMatchObject({ next: 'ShiftTraffic', phase: 'canary' });
    expect(inconclusiveEnd).toMatchObject({ next: 'Rollback' });
    expect(inconclusiveEnd.reason).toContain('end of the canary at 10 %');
  });

  it('carries the still-ignored alarms to the next poll', () => {
    // Prepare
    const spec = specWith();

    // Act
    const p = nextAction(spec, { ...firstStep(spec), ignoredAlarms: ['old', 'older'] }, { ...healthy, stillIgnored: ['old'] }, undefined);

    // Assess
    expect(p.ignoredAlarms).toEqual(['old']);
  });

  describe('properties (any durations)', () => {
    // Any poll the schema allows, and a duration up to 200 polls of it (the schema's maximum when
    // that is less): the loop is simulated poll by poll, so keep a run short.
    const phase = (maxSeconds: number, maxPoll: number) =>
      fc.integer({ min: 1, max: maxPoll }).chain((poll) => fc.tuple(fc.integer({ min: 0, max: Math.min(maxSeconds, poll * 200) }), fc.constant(poll)));
    const durations = fc
      .tuple(phase(86_400, 3_600), phase(14 * 86_400, 86_400))
      .map(([[bakeSeconds, bakePoll], [retentionSeconds, retentionPoll]]) => ({ bakeSeconds, bakePoll, retentionSeconds, retentionPoll }));
    const specOf = (d: { bakeSeconds: number; bakePoll: number; retentionSeconds: number; retentionPoll: number }) =>
      specWith({ bake: { seconds: d.bakeSeconds, pollSeconds: d.bakePoll }, retention: { seconds: d.retentionSeconds, pollSeconds: d.retentionPoll } });
    const bound = (seconds: number, poll: number) => Math.ceil(seconds / poll) + 1;

    it('remainingSeconds and waitSeconds are never negative, a wait never exceeds the poll or what remains', () => {
      fc.assert(
        fc.property(durations, fc.array(fc.constantFrom(healthy, inconclusive), { maxLength: 50 }), (d, verdicts) => {
          const spec = specOf(d);
          let p = firstStep(spec);
          for (const v of verdicts) {
            if (p.next !== 'Wait') break;
            p = nextAction(spec, p, v, undefined);
            expect(p.remainingSeconds).toBeGreaterThanOrEqual(0);
            expect(p.waitSeconds).toBeGreaterThanOrEqual(0);
            expect(p.waitSeconds).toBeLessThanOrEqual(p.pollSeconds);
            expect(p.waitSeconds).toBeLessThanOrEqual(p.remainingSeconds);
          }
        }),
      );
    });

    it('a healthy release always ends in Decommission within ceil(seconds/poll)+1 polls per phase, having waited exactly the phase', () => {
      fc.assert(
        fc.property(durations, (d) => {
          // Prepare
          const spec = specOf(d);
          let p = firstStep(spec);
          let waited = { bake: p.waitSeconds, retention: 0 };
          const polls = { bake: 0, retention: 0 };
          // Act: the loop as the state machine runs it (Wait waitSeconds, then CheckAlarms).
          while (p.next === 'Wait') {
            const phase = p.phase as 'bake' | 'retention';
            polls[phase]++;
            p = nextAction(spec, p, healthy, undefined);
            if (p.next === 'Wait') waited = { ...waited, [p.phase]: waited[p.phase as 'bake' | 'retention'] + p.waitSeconds };
            if (polls.bake + polls.retention > bound(d.bakeSeconds, d.bakePoll) + bound(d.retentionSeconds, d.retentionPoll)) break;
          }
          // Assess
          expect(p.next).toBe('Decommission');
          expect(polls.bake).toBeLessThanOrEqual(bound(d.bakeSeconds, d.bakePoll));
          expect(polls.retention).toBeLessThanOrEqual(bound(d.retentionSeconds, d.retentionPoll));
          expect(waited.bake).toBe(d.bakeSeconds);
          expect(waited.retention).toBe(d.retentionSeconds);
        }),
      );
    });

    it('an inconclusive bake ends (Rollback by default) within ceil(seconds/poll)+1 polls', () => {
      fc.assert(
        fc.property(durations, (d) => {
          const spec = specOf(d);
          let p = firstStep(spec);
          let polls = 0;
          while (p.next === 'Wait' && polls <= bound(d.bakeSeconds, d.bakePoll)) {
            polls++;
            p = nextAction(spec, p, inconclusive, undefined);
          }
          expect(p.next).toBe('Rollback');
          expect(polls).toBeLessThanOrEqual(bound(d.bakeSeconds, d.bakePoll));
        }),
      );
    });

    it('the same input always gives the same decision (a retried check changes nothing)', () => {
      fc.assert(
        fc.property(durations, fc.constantFrom(healthy, inconclusive, breached), (d, v) => {
          const spec = specOf(d);
          const p = firstStep(spec);
          expect(nextAction(spec, p, v, undefined)).toEqual(nextAction(spec, p, v, undefined));
        }),
      );
    });
  });
});

describe('checkAlarms (with CloudWatch and the ledger)', () => {
  const db = useLedger();
  const cloudwatch = new FakeCloudWatch();
  const cw = new CloudWatchClient({});
  const deps = () => ({ ledger: db.ledger, cloudwatch: cw, now: clock });
  let n = 0;

  /** A monitoring state at the first poll of the bake (as ShiftTraffic left it). */
  function monitoring(overrides: object = {}, ignored: string[] = []): MonitoringState {
    const release = releaseContext({ alarms: { names: ['user-errors'] }, ...overrides }, `check-${++n}`);
    const progress: Progress = { ...firstStep(release.spec), ignoredAlarms: ignored };
    return { release, green: greenOf(), alarms: { names: ['user-errors', 'release-errors'], created: ['release-errors'], preexisting: ignored }, progress };
  }

  beforeEach(() => {
    cloudwatch.startOver();
    cloudwatch.set('user-errors', 'OK');
    cloudwatch.set('release-errors', 'OK');
  });
  afterAll(() => cw.destroy());

  it('reads every alarm and waits; a plain poll overwrites one "last-check" change', async () => {
    // Prepare
    const state = monitoring();

    // Act
    const first = await checkAlarms(state, deps());
    const second = await checkAlarms({ ...state, progress: first }, deps());

    // Assess
    expect(second).toMatchObject({ next: 'Wait', verdict: 'Healthy', polls: 2 });
    expect(cloudwatch.mock.commandCalls(DescribeAlarmsCommand)[0].args[0].input.AlarmNames).toEqual(['user-errors', 'release-errors']);
    const item = await itemOf(db.ledger, state.release);
    expect(Object.keys(item!.changes)).toEqual(['last-check']);
    expect(item).toMatchObject({ lastVerdict: 'Healthy', lastCheckedAt: NOW.toISOString(), phase: 'bake' });
  });

  it('decides Rollback on an alarm and records the decision under its own id', async () => {
    // Prepare
    cloudwatch.set('release-errors', 'ALARM', 'Threshold crossed: 3 errors');
    const state = monitoring();

    // Act
    const p = await checkAlarms(state, deps());

    // Assess
    expect(p).toMatchObject({ next: 'Rollback', reason: 'alarm during bake at 100 %: release-errors is ALARM (Threshold crossed: 3 errors)' });
    expect((await itemOf(db.ledger, state.release))?.changes['check-bake-0-Rollback']).toMatchObject({ detail: p.reason });
  });

  it('reads a manual rollback request from the ledger', async () => {
    // Prepare
    const state = monitoring();
    await db.ledger.record({ targetKey: state.release.targetKey, startedAt: state.release.startedAt, releaseId: state.release.id }, { id: 'x', at: 'now', state: 'Test' });
    await db.ledger.requestManualRollback(
      { targetKey: state.release.targetKey, startedAt: state.release.startedAt, releaseId: state.release.id },
      { at: NOW.toISOString(), by: 'alice', reason: 'answers sound off' },
    );

    // Act
    const p = await checkAlarms(state, deps());

    // Assess
    expect(p).toMatchObject({ next: 'ManualRollback', reason: 'manual rollback by alice: answers sound off' });
  });

  it('treats a deleted alarm as MISSING: inconclusive, so the end of the bake rolls back', async () => {
    // Prepare
    cloudwatch.alarms.delete('release-errors');
    const state = monitoring({ bake: { seconds: 30, pollSeconds: 30 } });

    // Act
    const p = await checkAlarms(state, deps());

    // Assess
    expect(p).toMatchObject({ next: 'Rollback', verdict: 'Inconclusive' });
    expect(p.reason).toContain('release-errors is MISSING (the alarm no longer exists)');
  });

  it('ignores a pre-existing user alarm until it clears, then counts it', async () => {
    // Prepare
    cloudwatch.set('user-errors', 'ALARM');
    const state = monitoring({}, ['user-errors']);

    // Act
    const stillFiring = await checkAlarms(state, deps());
    cloudwatch.set('user-errors', 'OK');
    const cleared = await checkAlarms({ ...state, progress: stillFiring }, deps());
    cloudwatch.set('user-errors', 'ALARM');
    const firesAgain = await checkAlarms({ ...state, progress: cleared }, deps());

    // Assess
    expect(stillFiring).toMatchObject({ next: 'Wait', verdict: 'Healthy', ignoredAlarms: ['user-errors'] });
    expect(cleared).toMatchObject({ next: 'Wait', ignoredAlarms: [] });
    expect(firesAgain).toMatchObject({ next: 'Rollback', verdict: 'Breached' });
  });

  it('sets retentionEndsAt when the bake passes into retention', async () => {
    // Prepare
    const state = monitoring({ bake: { seconds: 30, pollSeconds: 30 }, retention: { seconds: 3600, pollSeconds: 300 } });

    // Act
    const p = await checkAlarms(state, deps());

    // Assess
    expect(p.phase).toBe('retention');
    const item = await itemOf(db.ledger, state.release);
    expect(item?.retentionEndsAt).toBe(new Date(NOW.getTime() + 3600_000).toISOString());
    expect(item?.changes['check-retention-0-Wait']).toBeDefined();
  });

  it('readAlarms asks in batches of 100, follows NextToken through every page, and keeps the order of the names', async () => {
    // Prepare: 150 alarms, CloudWatch answering 50 a page.
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    names.forEach((name, i) => cloudwatch.set(name, i % 2 ? 'ALARM' : 'OK'));

    // Act
    const readings = await readAlarms(cw, names);

    // Assess: no alarm of a second page is taken for missing.
    expect(cloudwatch.mock.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(readings.map((r) => r.name)).toEqual(names);
    expect(readings.map((r) => r.state)).toEqual(names.map((_, i) => (i % 2 ? 'ALARM' : 'OK')));
  });

  describe('CheckAlarms handler (middy)', () => {
    it('decides through the handler', async () => {
      // Prepare: the release's execution holds the lock (the handler is fenced)
      const state = monitoring();
      await holdLock(db.ledger, state.release);

      // Act
      const p = (await handler(state, lambdaContext('check-alarms'))) as Progress;

      // Assess
      expect(p).toMatchObject({ next: 'Wait', polls: 1 });
    });

    it('fails LockLost, recording nothing, when its execution no longer holds the lock (redriven after a takeover)', async () => {
      // Prepare
      const state = monitoring();
      await holdLock(db.ledger, releaseContext({}, 'the-new-owner'));

      // Act
      const err = await rejectionOf(handler(state, lambdaContext('check-alarms')));

      // Assess
      expect(err.name).toBe('LockLost');
      expect(await itemOf(db.ledger, state.release)).toBeUndefined();
    });

    it('turns CloudWatch throttling into TransientAwsError', async () => {
      // Prepare
      cloudwatch.mock.on(DescribeAlarmsCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
      const state = monitoring();
      await holdLock(db.ledger, state.release);

      // Act
      const err = await rejectionOf(handler(state, lambdaContext('check-alarms')));

      // Assess
      expect(err.name).toBe('TransientAwsError');
    });

    it('rejects a state without progress as InvalidReleaseInput naming the field', async () => {
      // Prepare
      const { progress: _omit, ...withoutProgress } = monitoring();

      // Act
      const err = await rejectionOf(handler(withoutProgress, lambdaContext('check-alarms')));

      // Assess
      expect(err.name).toBe('InvalidReleaseInput');
      expect(err.message).toMatch(/^invalid CheckAlarms input: progress: /);
    });
  });
});
