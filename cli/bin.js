#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx cutover` works straight from a clone.
require('tsx/cjs');
require('./main.ts').main();
