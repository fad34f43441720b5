// Placeholder until the sandbox rehearsal lands (issue #4): explain what `npm start` will do.
process.stdout.write(
  [
    'Cutover rehearsal (coming with the sandbox):',
    '  1. start the sandbox (AWS on localhost) and deploy the orchestrator',
    '  2. deploy the example AI service (ticket classifier) v1 as blue and keep traffic flowing',
    '  3. release v2 (succeeds), v3 (stopped by the quality gate), v4 (alarm during bake, automatic rollback)',
    '  4. show a manual rollback during retention, print a summary and write an HTML report',
    'Today: `npm test` runs the release state machine end to end in aws-local-stepfunctions.',
    '',
  ].join('\n'),
);
