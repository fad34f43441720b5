import { spawn, execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * A newcomer's first hour (issue #17): `npx cutover sandbox` prints commands to
 * try "in another terminal". Each is run here exactly as printed, in a fresh
 * environment (no AWS credentials, region, state machine or table exported),
 * as a person pasting it into a new terminal would: `npx cutover` is the
 * package's bin, cli/bin.js.
 */
const ROOT = path.join(__dirname, '../..');
const BIN = path.join(ROOT, 'cli/bin.js');
let sandbox: ChildProcess | undefined;
let printed = '';

/** A new terminal's environment: the PATH and HOME, none of the exports the sandbox printed. */
function freshEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
}

/** Splits a printed shell line into words (the suggestions quote with single quotes only). */
function words(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string)));
}

function runPrinted(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const [npx, cutover, ...args] = words(line.trim());
  expect([npx, cutover]).toEqual(['npx', 'cutover']);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: freshEnv(), cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // Port 0: any free loopback port (the banner prints the one it got).
  sandbox = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--time-scale', '40'], { env: freshEnv(), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  sandbox.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
  sandbox.stderr!.on('data', (d: Buffer) => (printed += d.toString()));
  const deadline = Date.now() + 150_000;
  while (!/npx cutover .* history /.test(printed) && Date.now() < deadline && sandbox.exitCode === null) await new Promise((r) => setTimeout(r, 200));
}, 160_000);

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((r) => sandbox!.once('exit', r));
    sandbox.kill('SIGINT');
    await exited;
  }
});

describe('the commands `cutover sandbox` prints, run as printed in a new terminal', () => {
  it('the release suggestion releases v2 of the example service to Succeeded, and the history suggestion shows it', async () => {
    // Prepare
    const lines = printed.split('\n').filter((l) => l.trim().startsWith('npx cutover '));
    const release = lines.find((l) => / release /.test(l));
    const history = lines.find((l) => / history /.test(l));
    expect({ release, history, printed: release && history ? '' : printed }).toEqual({ release: expect.any(String), history: expect.any(String), printed: '' });

    // Act
    const released = await runPrinted(release!);
    const shown = await runPrinted(history!);

    // Assess
    expect({ code: released.code, stderr: released.stderr }).toEqual({ code: 0, stderr: '' });
    expect(released.stdout).toMatch(/Succeeded/);
    expect({ code: shown.code, stderr: shown.stderr }).toEqual({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(/succeeded/i);
    expect(shown.stdout).toMatch(/simulated/); // sandbox durations say which clock they are on
  }, 150_000);
});
