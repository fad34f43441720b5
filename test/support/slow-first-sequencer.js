/**
 * Test order for jest: the longest files first, so that on two cores the short
 * ones fill the end of the run instead of one worker finishing a minute-long
 * end-to-end file alone. Jest orders by the durations of the last run, which a
 * fresh clone (CI) does not have; it then falls back to file size, and the
 * end-to-end files are small (their scenarios live in helpers). So a file
 * without a recorded duration gets an estimate by its folder, measured on a
 * fresh clone (bench/RESULTS.md has the run); a recorded duration wins.
 */
const Sequencer = require('@jest/test-sequencer').default;

/** Seconds a file in this folder took on the 2-core machine, roughly. */
const ESTIMATES = [
  [/[\\/]test[\\/]faults[\\/]/, 65],
  [/[\\/]test[\\/]e2e[\\/]/, 35],
  [/[\\/]test[\\/]concurrency[\\/]/, 35],
  [/[\\/]test[\\/]infra[\\/]/, 10],
  [/[\\/]test[\\/](statemachine|sandbox)[\\/]/, 5],
];

class SlowFirst extends Sequencer {
  sort(tests) {
    const seconds = (test) => {
      const recorded = this.time(test);
      if (recorded != null) return recorded / 1000;
      const estimate = ESTIMATES.find(([folder]) => folder.test(test.path));
      return estimate ? estimate[1] : 1;
    };
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    // What failed last time first (quick feedback), then the longest.
    const failed = (test) => (this.hasFailed(test) ? 1 : 0);
    return [...tests].sort((a, b) => failed(b) - failed(a) || seconds(b) - seconds(a) || size(b) - size(a) || (a.path < b.path ? -1 : 1));
  }
}

module.exports = SlowFirst;
