import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport, writeReport } from '../../rehearsal/report/render';
import { versionInfos } from '../../rehearsal/report/series';
import type { ReportData } from '../../rehearsal/report/types';
import emptyJson from './fixtures/report-data-empty.json';
import fixtureJson from './fixtures/report-data.json';
import { boxOfColors, countColor, decodePng, distinctColors, hexToRgb } from './png';

// JSON imports type `kind`/`outcome` as plain strings.
const fixture = fixtureJson as unknown as ReportData;
const emptyFixture = emptyJson as unknown as ReportData;

const count = (html: string, re: RegExp): number => (html.match(new RegExp(re.source, 'g')) ?? []).length;

describe('renderReport', () => {
  const html = renderReport(fixture);

  it('has one summary row per release with outcome and figures', () => {
    // Prepare / Act: rendered above
    // Assess
    expect(count(html, /<tr class="release-row"/)).toBe(4);
    for (const r of fixture.releases) {
      expect(html).toContain(`<tr class="release-row" data-release="${r.name}">`);
      expect(html).toContain(`>${r.outcome}</span>`);
    }
    expect(html).toContain('1.50 s'); // v4 alarm → 100 % on blue
    expect(html).toContain('QualityGateFailed');
    expect(html).toMatch(/green <strong>72\.0 %<\/strong><br>blue 94\.0 %/);
  });

  it('escapes text that comes from users', () => {
    // Prepare
    const hostile: ReportData = {
      ...fixture,
      title: 'rehearsal <b>bold</b> & "quoted"',
      releases: fixture.releases.map((r, i) =>
        i === 1 ? { ...r, name: '<img src=x onerror=alert(2)>', cause: '<script>alert(1)</script>' } : r,
      ),
      events: [...fixture.events, { t: 12, release: '"><svg onload=alert(3)>', kind: 'started', label: '<script>x</script>' }],
    };

    // Act
    const out = renderReport(hostile);

    // Assess
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<svg onload');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('rehearsal &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
  });

  it('draws one stacked area per version, with a legend label each', () => {
    // Prepare
    const versions = versionInfos(fixture);

    // Act
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>'));
    const areas = [...svg.matchAll(/<path class="area" data-version="([^"]+)" fill="([^"]+)" d="([^"]*)"/g)];

    // Assess
    expect(html).toContain('viewBox="0 0 1000 428"');
    expect(areas.map((a) => a[1])).toEqual(['1', '2', '3', '4', '5']);
    expect(areas.map((a) => a[2])).toEqual(versions.map((v) => v.fill));
    expect(new Set(areas.map((a) => a[2])).size).toBe(5);
    for (const [, key, , d] of areas) {
      if (key === '3') expect(d).toBe(''); // v3 failed its quality gate: never served
      else expect(d).toMatch(/^M[\d.]+ [\d.]+H/);
    }
    for (const label of Object.values(fixture.versions)) expect(svg).toContain(`>${label}`);
    expect(svg).toContain('v3 (no traffic)');
    expect(svg).toContain('class="line error-rate"');
    expect(svg).toContain('class="line p95"');
  });

  it('draws a marker per event, styled per kind, and lists every event', () => {
    // Prepare
    const kinds = new Set(fixture.events.map((e) => e.kind));

    // Act
    const markers = count(html, /<g class="marker"/);

    // Assess
    expect(markers).toBe(fixture.events.length);
    for (const kind of kinds) {
      expect(count(html, new RegExp(`<g class="marker" data-kind="${kind}"`))).toBe(
        fixture.events.filter((e) => e.kind === kind).length,
      );
    }
    expect(count(html, /<tr class="event-row"/)).toBe(fixture.events.length);
    expect(html).toContain('>ALARM<');
    expect(html).toContain('>switch 10%<');
    expect(count(html, /<g class="release-band"/)).toBe(4);
  });

  it('renders a valid page with notes when there is no traffic and no events', () => {
    // Prepare / Act
    const out = renderReport(emptyFixture);

    // Assess
    expect(out.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(out.trimEnd().endsWith('</html>')).toBe(true);
    expect(out).toContain('No traffic was recorded during this rehearsal.');
    expect(out).toContain('No release events were recorded.');
    expect(out).toContain('<svg');
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
    expect(out).toContain('>Rejected</span>');
  });

  it('never prints NaN or undefined for the realistic fixture', () => {
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // nothing to fetch: works offline
  });
});

// ---------------------------------------------------------------------------
// Browser: the page as a person sees it, in headless Chromium.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) {
  console.warn(`[report.test] ${CHROMIUM} not found: skipping the browser checks (CI installs it in .ci/run).`);
}
const describeBrowser = haveChromium || process.env.CI ? describe : describe.skip;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs headless Chromium with a fresh profile; kills its whole process group on timeout. */
async function runChromium(dir: string, name: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
  const profile = await mkdtemp(join(dir, `profile-${name}-`));
  const child = spawn(
    CHROMIUM,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--hide-scrollbars', '--force-device-scale-factor=1', `--user-data-dir=${profile}`,
      ...args,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describeBrowser('report in headless Chromium', () => {
  let dir = '';
  let reportPath = '';
  let screenshot = '';
  let shot: RunResult;
  let dom: RunResult;

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(`${CHROMIUM} is missing but CI is set: .ci/run must install Debian's chromium (apt-get install -y chromium) before running the tests.`);
    }
    dir = await mkdtemp(join(tmpdir(), 'cutover-report-'));
    reportPath = await writeReport(fixture, join(dir, 'nested', 'report.html'));
    screenshot = join(dir, 'report.png');
    const url = pathToFileURL(reportPath).href;
    [shot, dom] = await Promise.all([
      runChromium(dir, 'shot', [`--screenshot=${screenshot}`, '--window-size=1280,1600', url]),
      runChromium(dir, 'dom', ['--dump-dom', '--window-size=1280,1600', url]),
    ]);
  }, 28000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the report to the requested path', async () => {
    // Assess
    expect(reportPath).toBe(join(dir, 'nested', 'report.html'));
    expect(await readFile(reportPath, 'utf8')).toBe(renderReport(fixture));
  });

  it('screenshots a 1280×1600 page whose chart region is drawn in every version colour', async () => {
    // Prepare
    expect(shot.timedOut).toBe(false);
    expect(existsSync(screenshot)).toBe(true);
    const versions = versionInfos(fixture);
    const fills = versions.map((v) => hexToRgb(v.fill));

    // Act
    const png = decodePng(await readFile(screenshot));
    const chart = boxOfColors(png, fills);

    // Assess
    expect([png.width, png.height]).toEqual([1280, 1600]);
    expect(chart).not.toBeNull();
    const box = chart!;
    expect(box.x1 - box.x0).toBeGreaterThan(800); // the SVG spans the page width
    expect(box.y1 - box.y0).toBeGreaterThan(200); // legend down to the bottom of the share panel
    expect(box.count).toBeGreaterThan(100000); // the stacked areas are filled
    expect(distinctColors(png, box)).toBeGreaterThan(500); // areas, lines, markers, text, anti-aliasing
    // v3 never served traffic: only its legend swatch carries the colour
    const faint = versions
      .map((v) => ({ version: v.label, pixels: countColor(png, box, hexToRgb(v.fill)), minimum: v.requests > 0 ? 2000 : 60 }))
      .filter((v) => v.pixels < v.minimum);
    expect(faint).toEqual([]);
  });

  it('dumps a DOM that holds the chart paths and markers', () => {
    // Assess
    expect(dom.timedOut).toBe(false);
    expect(dom.code).toBe(0);
    expect(dom.stdout).toContain('<svg');
    expect(count(dom.stdout, /<path class="area" data-version="/)).toBe(5);
    expect(count(dom.stdout, /<g class="marker"/)).toBe(fixture.events.length);
    expect(dom.stdout).toContain('class="line error-rate"');
  });
});
