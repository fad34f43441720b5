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
  // Two workers on the 2-core machines this runs on: the end-to-end files spend part of their time
  // waiting on the sandbox's simulated clock, which the other worker's CPU work fills.
  maxWorkers: 2,
  // The longest files first, on a fresh clone too (test/support/slow-first-sequencer.js).
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.js',
};
