/**
 * The CLI pointed at a loopback endpoint asks it whether it is the Cutover
 * sandbox (GET /_sandbox/health). If it is, the sandbox tells the CLI what a
 * person would otherwise export by hand: its region, what it deployed and its
 * clock. Real AWS endpoints are never asked: they keep the normal credential chain.
 */

/** What GET /_sandbox/health answers (sandbox/index.ts). */
export interface SandboxHealth {
  status: 'ok';
  region: string;
  account: string;
  /** Simulated seconds per wall second. */
  timeScale: number;
  /** The sandbox's (virtual) clock, ISO. */
  now: string;
  /** Named like the Cutover stack's outputs: StateMachineArn, LedgerTableName. */
  outputs?: Record<string, string>;
}

/** The sandbox's virtual clock as read by the CLI: it runs `timeScale` times faster than the wall. */
export interface SandboxClock {
  timeScale: number;
  /** The sandbox's now when it was read (ms since the epoch, on its clock). */
  readNowMs: number;
  /** The wall clock at that moment. */
  readAtWallMs: number;
}

/** The sandbox's now, extrapolated from the last reading at its time scale. */
export function sandboxNow(clock: SandboxClock, wallNow = Date.now()): number {
  return clock.readNowMs + (wallNow - clock.readAtWallMs) * clock.timeScale;
}

/** The sandbox only listens on loopback (sandbox/index.ts binds 127.0.0.1). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The sandbox's health, or undefined when the endpoint is not the Cutover sandbox (another emulator, nothing listening). */
export async function askSandbox(endpoint: string, timeoutMs = 3000): Promise<SandboxHealth | undefined> {
  try {
    const res = await fetch(new URL('/_sandbox/health', endpoint), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Partial<SandboxHealth>;
    if (body.status !== 'ok' || typeof body.region !== 'string' || typeof body.timeScale !== 'number' || typeof body.now !== 'string') return undefined;
    return body as SandboxHealth;
  } catch {
    return undefined;
  }
}

/**
 * The operator's key in the sandbox: the one `cutover sandbox` prints in its exports
 * (sandbox/index.ts `credentials`). Functions get role session keys of their own.
 */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;
