import { historyRow } from '../../cli/commands/history';
import type { ReleaseItem } from '../../core/ledger';

/** A release item as the handlers leave it in the ledger. */
function item(overrides: Partial<ReleaseItem> = {}): ReleaseItem {
  return {
    pk: 'TARGET#lambda-alias:ai-handler:production',
    sk: 'RELEASE#2026-11-26T10:00:00.000Z#r-1',
    releaseId: 'r-1',
    executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:cutover-release:r-1',
    targetKey: 'lambda-alias:ai-handler:production',
    target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' },
    artifactUri: 's3://my-models/models/ai-handler/v2.json',
    startedBy: 'eventbridge:s3 s3://my-models/models/ai-handler/v2.json',
    startedAt: '2026-11-26T10:00:00.000Z',
    status: 'Succeeded',
    blueVersion: '6',
    greenVersion: '7',
    changes: { lock: { at: '2026-11-26T10:00:01.000Z', state: 'AcquireLock' }, 'switch-0': { at: '2026-11-26T10:04:00.000Z', state: 'ShiftTraffic' } },
    endedAt: '2026-11-28T10:15:00.000Z',
    outcome: { status: 'Succeeded' },
    ...overrides,
  };
}

describe('cutover history rows', () => {
  it('say what started the release, the artifact, the versions, how long it took and how long before traffic moved', () => {
    // Act
    const row = historyRow(item());
    // Assess
    expect(row).toEqual({
      releaseId: 'r-1',
      startedAt: '2026-11-26T10:00:00.000Z',
      startedBy: 'eventbridge:s3 s3://my-models/models/ai-handler/v2.json',
      artifact: 's3://my-models/models/ai-handler/v2.json',
      blue: '6',
      green: '7',
      status: 'Succeeded',
      durationMs: (48 * 3600 + 15 * 60) * 1000,
      switchedAfterMs: 240_000,
      cause: undefined,
    });
  });

  it('give a running release its duration so far, and none before traffic moved', () => {
    // Act
    const row = historyRow(item({ status: 'Running', endedAt: undefined, changes: {}, outcome: undefined }), Date.parse('2026-11-26T10:30:00.000Z'));
    // Assess
    expect(row).toMatchObject({ status: 'Running', durationMs: 1_800_000, switchedAfterMs: undefined });
  });

  it('carry the cause of a release that did not succeed', () => {
    expect(historyRow(item({ status: 'RolledBack', outcome: { status: 'RolledBack', error: 'AlarmRollback', cause: 'alarm during bake' } })).cause).toBe('alarm during bake');
  });
});
