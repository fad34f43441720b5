import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Sandbox } from '../../sandbox';

const BIN = path.join(__dirname, '../../cli/bin.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `cutover` binary as a child process against the sandbox (`--endpoint`), as a person would. */
export function runCutover(sandbox: Sandbox, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...sandbox.env, AWS_ENDPOINT_URL: '' };
    execFile(process.execPath, [BIN, '--endpoint', sandbox.url, ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The NDJSON lines `--json` prints. */
export const jsonLines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
