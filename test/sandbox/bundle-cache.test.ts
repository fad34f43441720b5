import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle, BUNDLE_DIR } from '../../sandbox/bundle';

/**
 * The bundle cache: every sandbox stack asks for the same bundles, and a
 * build costs both cores for seconds, so bundle() builds again only when a
 * file the last build read has changed.
 */
describe('bundle()', () => {
  let root: string;
  const hourAgo = new Date(Date.now() - 3_600_000);
  const write = (file: string, text: string) => {
    writeFileSync(path.join(root, file), text);
    utimesSync(path.join(root, file), hourAgo, hourAgo);
  };
  const output = () => readFileSync(path.join(root, BUNDLE_DIR, 'out/handler.js'), 'utf8');

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cutover-bundle-'));
    write('entry.ts', "import { answer } from './dep';\nexport const handler = () => answer;\n");
    write('dep.ts', "export const answer = 'first';\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds once, then reuses the bundle while no input changed', async () => {
    // Act
    const first = await bundle(root, { 'out/handler': 'entry.ts' });
    const second = await bundle(root, { 'out/handler': 'entry.ts' });

    // Assess
    expect(first.built).toBe(true);
    expect(second.built).toBe(false);
    expect(output()).toContain('first');
  });

  it('builds again when a module the entry imports changed', async () => {
    // Prepare
    await bundle(root, { 'out/handler': 'entry.ts' });
    write('dep.ts', "export const answer = 'second';\n");

    // Act
    const again = await bundle(root, { 'out/handler': 'entry.ts' });

    // Assess
    expect(again.built).toBe(true);
    expect(output()).toContain('second');
  });

  it('builds again when its output was overwritten (another checkout sharing node_modules)', async () => {
    // Prepare
    await bundle(root, { 'out/handler': 'entry.ts' });
    writeFileSync(path.join(root, BUNDLE_DIR, 'out/handler.js'), 'exports.handler = () => "someone else\'s";');

    // Act
    const again = await bundle(root, { 'out/handler': 'entry.ts' });

    // Assess
    expect(again.built).toBe(true);
    expect(output()).toContain('first');
  });

  it('builds again when its output was deleted', async () => {
    // Prepare
    await bundle(root, { 'out/handler': 'entry.ts' });
    rmSync(path.join(root, BUNDLE_DIR, 'out/handler.js'));

    // Act
    const again = await bundle(root, { 'out/handler': 'entry.ts' });

    // Assess
    expect(again.built).toBe(true);
    expect(output()).toContain('first');
  });

  it('does not trust a build during which an input changed (no manifest: the next call builds again)', async () => {
    // Prepare: an input modified just now, as by an editor while esbuild runs
    writeFileSync(path.join(root, 'dep.ts'), "export const answer = 'fresh';\n");

    // Act
    const first = await bundle(root, { 'out/handler': 'entry.ts' });
    const second = await bundle(root, { 'out/handler': 'entry.ts' });

    // Assess
    expect(first.built).toBe(true);
    expect(second.built).toBe(true);
  });
});
