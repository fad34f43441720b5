import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { modelUri } from '../../examples/ai-service/sandbox-service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { jsonLines, runCutover, type CliRun } from './cli-run';

/**
 * The `cutover` command as a user runs it: a separate process pointed at the
 * sandbox with --endpoint, the example service live on v1.
 */
let stack: RehearsalStack;

const cutover = (...args: string[]) => runCutover(stack.sandbox, ...args);
const fast = ['--bake', '120', '--bake-poll', '30', '--retention', '40', '--retention-poll', '20', '--period', '60', '--poll-ms', '100'];

beforeAll(async () => {
  stack = await startRehearsalStack({ timeScale: 40 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('cutover CLI against the sandbox', () => {
  it('release: follows the execution to Succeeded, --json prints one object per line, exit code 0', async () => {
    // Act
    const run = await cutover('--json', 'release', 'ai-handler:production', '--artifact', modelUri('v2'), '--description', 'v2 from the CLI', ...fast);
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines[0]).toMatchObject({ kind: 'started' });
    expect(lines.filter((l) => l.kind === 'state').map((l) => l.state)).toEqual(
      expect.arrayContaining(['ValidateInput', 'AcquireLock', 'PrepareGreen', 'SmokeTestGreen', 'ArmAlarms', 'ShiftTraffic', 'CheckAlarms', 'Decommission', 'ReleaseLock', 'RecordOutcome']),
    );
    expect(lines[lines.length - 1]).toMatchObject({ kind: 'result', outcome: 'Succeeded' });
  }, 120_000);

  it('status and history read the live split and the ledger', async () => {
    // Act
    const status = await cutover('--json', 'status', 'ai-handler:production');
    const history = await cutover('history', 'ai-handler:production');
    // Assess
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { split: Record<string, number>; running: unknown; last: { status: string } };
    expect(Object.values(s.split)).toEqual([100]);
    expect(s.running).toBeNull();
    expect(s.last.status).toBe('Succeeded');
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/✔ succeeded/);
    expect(history.stdout).toContain(modelUri('v2'));
  }, 60_000);

  it('a bad input is refused before anything starts, naming the field (exit code 2)', async () => {
    // Act
    const run = await cutover('release', 'ai-handler:production', '--canary', '50,10');
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('strategy.steps: must be strictly increasing');
  }, 60_000);

  it('--input takes a console input file; a second release of the same target is rejected (exit code 3)', async () => {
    // Prepare: a long release holds the lock.
    const dir = mkdtempSync(path.join(tmpdir(), 'cutover-cli-'));
    const file = path.join(dir, 'input.json');
    writeFileSync(file, JSON.stringify({ target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, artifact: { uri: modelUri('v2-retrained') }, bake: { seconds: 600, pollSeconds: 10 }, alarms: { periodSeconds: 60 } }));
    const first = await cutover('--json', 'release', '--input', file, '--no-wait');
    expect(first.code).toBe(6);
    // Its execution takes the lock a moment after it starts: a second release sent before that would win the lock instead.
    for (let i = 0; i < 150 && JSON.parse((await cutover('--json', 'status', 'ai-handler:production')).stdout).running === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    // Act
    const second = await cutover('release', 'ai-handler:production', '--artifact', modelUri('v4'), ...fast);
    // Assess
    expect(second.stdout).toContain('ReleaseInProgress'); // first, so that a red run shows what it printed instead
    expect(second.stderr).toBe('');
    expect(second.code).toBe(3);
    // Clean up through the manual rollback (also checks it): the first release ends RolledBack.
    let rollback: CliRun | undefined;
    for (let i = 0; i < 100; i++) {
      rollback = await cutover('rollback', 'ai-handler:production', '--reason', 'test over', '--by', 'jest');
      if (rollback.code === 0) break;
      await new Promise((r) => setTimeout(r, 200)); // green not prepared yet
    }
    expect(rollback!.code).toBe(0);
    expect(rollback!.stdout).toMatch(/version \d+: 100 %/);
  }, 120_000);
});
