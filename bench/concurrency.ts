import '../sandbox/polyfills';
import { startRehearsalStack } from '../rehearsal/stack';
import { deployFixtures, fixtureName, fixtureNames, manyTargets, sameTargetRace } from './scenarios/concurrency';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

/**
 * Run by bench/run.ts as a child process, so that its memory is the
 * sandbox's alone: N releases of N fixture targets at once (and K releases
 * of one target), sampling this process's RSS (the sandbox, its Lambda
 * worker threads, the driver) every 50 ms. Prints one JSON line.
 */
export interface ConcurrencyMeasure {
  targets: number;
  racers: number;
  rssBaselineMb: number;
  rssPeakMb: number;
  manyWallMs: number;
  manyProblems: string[];
  manySucceeded: number;
  race: { winner?: string; losers: number; loserErrors: string[]; losersEndedBeforeWinner: boolean; problems: string[]; slowestLoserMs: number; winnerMs: number; wallMs: number; peakOverlap: number; environmentsStarted: number };
}

async function main(): Promise<void> {
  const targets = Number(process.argv[2] ?? 25);
  const racers = Number(process.argv[3] ?? 10);
  const names = fixtureNames(targets);
  const stack = await startRehearsalStack({ timeScale: 1000, managedFunctions: names });
  try {
    await deployFixtures(stack, targets);
    const mb = () => process.memoryUsage().rss / 1024 / 1024;
    await new Promise((r) => setTimeout(r, 500));
    const rssBaselineMb = mb();
    let rssPeakMb = rssBaselineMb;
    const timer = setInterval(() => {
      rssPeakMb = Math.max(rssPeakMb, mb());
    }, 50);
    const many = await manyTargets(stack, names, 'bench');
    clearInterval(timer);
    rssPeakMb = Math.max(rssPeakMb, mb());
    const race = await sameTargetRace(stack, fixtureName(0), racers, 'bench');
    const out: ConcurrencyMeasure = {
      targets,
      racers,
      rssBaselineMb,
      rssPeakMb,
      manyWallMs: many.wallMs,
      manyProblems: many.problems,
      manySucceeded: many.ends.filter((e) => e.status === 'SUCCEEDED').length,
      race: {
        winner: race.winner?.name,
        losers: race.losers.length,
        loserErrors: [...new Set(race.losers.map((l) => l.error ?? l.status))],
        losersEndedBeforeWinner: race.losers.every((l) => race.winner && l.endedMs < race.winner.endedMs),
        problems: race.problems,
        slowestLoserMs: Math.max(0, ...race.losers.map((l) => l.endedMs)),
        winnerMs: race.winner?.endedMs ?? 0,
        wallMs: race.wallMs,
        peakOverlap: race.peakOverlap,
        environmentsStarted: race.environmentsStarted,
      },
    };
    process.stdout.write(`CONCURRENCY ${JSON.stringify(out)}\n`);
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`concurrency bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
