import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { synthesizeStack, synthKey, TEMPLATE_CACHE_DIR } from '../../sandbox/synth';

/**
 * The synthesis cache when test files run in parallel: a process that finds
 * another one synthesizing the same stack (its lock beside the template) waits
 * for that template instead of synthesizing it a second time.
 */
const repoRoot = path.resolve(__dirname, '../..');

it("waits for the lock holder's template and reads it from the cache, synthesizing nothing", () => {
  // Prepare: a context no other test uses, its lock held, and another process that writes the template 300 ms later
  const source = { context: { synthCacheTest: `${process.pid}-${Date.now()}` } };
  const file = path.join(repoRoot, TEMPLATE_CACHE_DIR, `${synthKey(repoRoot, source)}.json`);
  const lock = `${file}.lock`;
  mkdirSync(lock, { recursive: true });
  const entry = JSON.stringify({ stackName: 'Written-By-The-Holder', template: { Resources: {} } });
  const holder = spawn(process.execPath, ['-e', `setTimeout(() => { require('fs').writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(entry)}); require('fs').rmSync(${JSON.stringify(lock)}, { recursive: true }); }, 300)`], { stdio: 'ignore' });
  try {
    // Act
    const got = synthesizeStack(repoRoot, source);

    // Assess: what the holder wrote (a synthesis here would have named the stack Cutover)
    expect(got).toMatchObject({ stackName: 'Written-By-The-Holder', cached: true });
    expect(got.ms).toBeGreaterThanOrEqual(200);
    expect(existsSync(lock)).toBe(false);
  } finally {
    holder.kill();
    rmSync(file, { force: true });
    rmSync(lock, { recursive: true, force: true });
  }
});
