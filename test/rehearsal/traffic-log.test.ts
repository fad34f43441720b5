import { failedAroundSwitches, type FailedRequest } from '../../rehearsal/traffic-log';

/** Which failed requests the rehearsal blames on a switch. */
describe('failedAroundSwitches', () => {
  const release = { startedAt: 10_000, endedAt: 20_000 };
  const fail = (sentAt: number, at: number, version?: string): FailedRequest => ({ sentAt, at, ...(version ? { version } : {}), error: 'x' });

  it('counts a request in flight within the window of a switch, whoever answered', () => {
    // Prepare
    const failures = [fail(14_400, 14_450, '2'), fail(14_000, 16_000), fail(12_000, 12_100, '2')];
    // Act
    const near = failedAroundSwitches(failures, release, [15_000]);
    // Assess: the first answered 550 ms before the switch, the second spanned it; the third was 2.9 s earlier
    expect(near).toEqual([failures[0], failures[1]]);
  });

  it("leaves out the bad green's own function errors, but not its throttles", () => {
    // Prepare
    const failures = [fail(15_100, 15_200, '4'), fail(15_100, 15_200)];
    // Act
    const near = failedAroundSwitches(failures, release, [15_000], '4');
    // Assess
    expect(near).toEqual([failures[1]]);
  });

  it('blames a request on the release during which it was sent, not on the one during which it was answered', () => {
    // Prepare: sent during the previous release (its bad green), answered just after this one's first switch
    const late = fail(9_900, 10_300, '4');
    const during = fail(10_200, 10_300, '4');
    // Act
    const near = failedAroundSwitches([late, during], release, [10_250]);
    // Assess: version 4 answering a request this release sent is a request on a rolled-back version
    expect(near).toEqual([during]);
  });
});
