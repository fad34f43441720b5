import type { Verdict } from '../../core/release-state';

import type { AlarmReading } from '../../core/alarm-reader';

export type { AlarmReading };

export interface AlarmVerdict {
  verdict: Verdict;
  breached: AlarmReading[];
  inconclusive: AlarmReading[];
  /** Ignored alarms still in ALARM: they stay ignored; the others have cleared and count again. */
  stillIgnored: string[];
}

/**
 * Breached if any counted alarm is in ALARM; Inconclusive if any has no data
 * (INSUFFICIENT_DATA is not proven healthy) or is missing; Healthy otherwise.
 */
export function verdictOf(readings: AlarmReading[], ignored: readonly string[]): AlarmVerdict {
  const stillIgnored = ignored.filter((name) => readings.some((r) => r.name === name && r.state === 'ALARM'));
  const counted = readings.filter((r) => !stillIgnored.includes(r.name));
  const breached = counted.filter((r) => r.state === 'ALARM');
  const inconclusive = counted.filter((r) => r.state !== 'ALARM' && r.state !== 'OK');
  const verdict: Verdict = breached.length > 0 ? 'Breached' : inconclusive.length > 0 ? 'Inconclusive' : 'Healthy';
  return { verdict, breached, inconclusive, stillIgnored };
}

export function describeReadings(readings: AlarmReading[]): string {
  return readings.map((r) => `${r.name} is ${r.state}${r.reason ? ` (${r.reason})` : ''}`).join('; ');
}
