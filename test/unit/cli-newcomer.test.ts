import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suggestion } from '../../cli/format';
import { askSandbox, isLoopbackEndpoint, sandboxNow } from '../../cli/sandbox-endpoint';
import { outcomeMark, outcomeWords } from '../../core/outcome-words';

/** What the CLI does for a newcomer (issue #17): find a loopback sandbox, print pasteable commands, say outcomes in their own words. */
describe('a loopback endpoint', () => {
  it('is 127.x.x.x, localhost or ::1, never a real AWS endpoint', () => {
    // Act & Assess
    expect(['http://127.0.0.1:4566', 'http://127.1.2.3:80', 'http://localhost:1', 'http://[::1]:4566'].map(isLoopbackEndpoint)).toEqual([true, true, true, true]);
    expect(['https://lambda.eu-west-1.amazonaws.com', 'http://10.0.0.1:4566', 'not a url'].map(isLoopbackEndpoint)).toEqual([false, false, false]);
  });

  describe('askSandbox', () => {
    let server: Server;
    let answer: { status: number; body: unknown };
    let url: string;

    beforeAll(async () => {
      server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body)));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((r) => server.close(r)));

    it("reads the sandbox's region, clock and outputs from its health answer", async () => {
      // Prepare
      answer = { status: 200, body: { status: 'ok', region: 'eu-west-1', account: '000000000000', timeScale: 40, now: '2026-12-03T10:00:00.000Z', outputs: { LedgerTableName: 't' } } };
      // Act
      const health = await askSandbox(url);
      // Assess
      expect(health).toMatchObject({ region: 'eu-west-1', timeScale: 40, outputs: { LedgerTableName: 't' } });
    });

    it('says "not a sandbox" for another emulator or a non-answer, so the normal credential chain applies', async () => {
      // Prepare
      answer = { status: 200, body: { status: 'running' } };
      // Act
      const other = await askSandbox(url);
      answer = { status: 404, body: {} };
      const missing = await askSandbox(url);
      const nothing = await askSandbox('http://127.0.0.1:1', 500);
      // Assess
      expect([other, missing, nothing]).toEqual([undefined, undefined, undefined]);
    });
  });

  it("extrapolates the sandbox's clock at its time scale", () => {
    // Act & Assess: 2 wall seconds at 40× are 80 simulated seconds
    expect(sandboxNow({ timeScale: 40, readNowMs: 1_000_000, readAtWallMs: 500 }, 2_500)).toBe(1_080_000);
  });
});

describe('printed suggestions', () => {
  it('carry npx and the endpoint, and quote what a shell would split', () => {
    // Act & Assess
    expect(suggestion('http://127.0.0.1:4566', 'release', 'ai-handler:production', '--description', "it's v2")).toBe(
      `npx cutover --endpoint http://127.0.0.1:4566 release ai-handler:production --description 'it'\\''s v2'`,
    );
  });
});

describe('outcome words', () => {
  it("name each outcome in its own words and mark, so a rollback that worked never reads as failed", () => {
    // Act & Assess
    expect(['Succeeded', 'RolledBack', 'Failed', 'Rejected', 'Superseded'].map((o) => `${outcomeMark(o)} ${outcomeWords(o)}`)).toEqual(['✔ succeeded', '↩ rolled back', '✘ failed', '⊘ rejected', '↷ superseded']);
    expect(outcomeWords('SomethingNew')).toBe('something new');
  });
});
