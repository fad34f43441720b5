/**
 * Release alarm names against CloudWatch's AlarmName rule: "Length Constraints: Minimum length of 1.
 * Maximum length of 255." — https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
import { MAX_ALARM_PREFIX, RELEASE_ALARM_SUFFIXES, releaseAlarmName } from '../../../targets/release-alarms';

const longestId = `release-${'x'.repeat(64)}-abcdef12`.slice(0, 80);

describe('releaseAlarmName', () => {
  it('keeps <prefix><release id>-<suffix> unchanged when it fits', () => {
    // Act
    const name = releaseAlarmName('cutover-', 'rel-1', 'error-rate');

    // Assess
    expect(name).toBe('cutover-rel-1-error-rate');
  });

  it('fits 255 characters for the longest release id under the longest prefix the construct takes', () => {
    // Act
    const names = RELEASE_ALARM_SUFFIXES.map((s) => releaseAlarmName('p'.repeat(MAX_ALARM_PREFIX), longestId, s));

    // Assess
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(255);
    expect(names.every((n, i) => n === `${'p'.repeat(MAX_ALARM_PREFIX)}${longestId}-${RELEASE_ALARM_SUFFIXES[i]}`)).toBe(true);
  });

  it('with a 200-character prefix (set in the environment), cuts the id and keeps two releases apart', () => {
    // Prepare
    const prefix = 'p'.repeat(200);

    // Act
    const a = releaseAlarmName(prefix, `${longestId.slice(0, 79)}a`, 'output-schema');
    const b = releaseAlarmName(prefix, `${longestId.slice(0, 79)}b`, 'output-schema');

    // Assess
    expect(a.length).toBeLessThanOrEqual(255);
    expect(b.length).toBeLessThanOrEqual(255);
    expect(a).not.toBe(b);
    expect(a.startsWith(prefix) && a.endsWith('-output-schema')).toBe(true);
  });
});
