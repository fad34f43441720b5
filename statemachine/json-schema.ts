/**
 * The release input as JSON Schema (draft 2020-12), generated from the one
 * zod schema (core/release-input.ts) with `z.toJSONSchema`: what
 * an editor, a console user or another team's pipeline can validate an input
 * against before starting a release. `npm run schema` rewrites
 * statemachine/release-input.schema.json; test/statemachine/examples.test.ts
 * fails when the committed file is stale.
 *
 * What JSON Schema cannot say (refinements such as strictly increasing canary
 * steps, "exactly one check per expectation", the history budget, whether the
 * target is managed by this orchestrator) is still checked by ValidateInput.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { releaseInputSchema } from '../core/release-input';

export const SCHEMA_FILE = path.join(__dirname, 'release-input.schema.json');

export function releaseInputJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(releaseInputSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'Cutover release input',
    description:
      'The execution input of the Cutover release state machine (Step Functions console, `cutover release --input`, triggers, CodePipeline). ' +
      'Generated from core/release-input.ts by `npm run schema`; ValidateInput also checks what JSON Schema cannot express.',
    ...rest,
  };
}

/** The file's content: stable key order from the zod schema, two-space indent, final newline. */
export function renderSchemaFile(): string {
  return `${JSON.stringify(releaseInputJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, renderSchemaFile());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
