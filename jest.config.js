/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest/presets/js-with-ts',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // @middy/core 6 is ESM-only: let ts-jest transpile it (allowJs in tsconfig).
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: 30000,
  // Three workers on the 2-core machines this runs on: the end-to-end files spend much of their time waiting
  // on the sandbox's simulated clock (a main thread idle 60 % of a file's run), which a third worker's CPU
  // work fills: 232 s against 256 s with two, on a warm machine.
  maxWorkers: 3,
  // The longest files first, on a fresh clone too (test/support/slow-first-sequencer.js).
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.js',
};
