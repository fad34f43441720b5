'use strict';
// Entry point of a Lambda execution environment (a worker thread). Worker
// threads do not inherit the parent's TypeScript loader (jest's or tsx's), so
// register tsx's CommonJS hooks here, then load the TypeScript worker, which in
// turn loads the function's handler module (TypeScript or JavaScript).
require('tsx/cjs/api').register();
require('./lambda-worker.ts');
