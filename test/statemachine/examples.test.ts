/**
 * What a person pastes in the Step Functions console: every example input
 * validates against the zod schema ValidateInput uses and against the
 * published JSON Schema, and the published JSON Schema is the one the zod
 * schema generates today.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { releaseInputSchema } from '../../core/release-input';
import { renderSchemaFile, SCHEMA_FILE } from '../../statemachine/json-schema';

const EXAMPLES = path.join(__dirname, '..', '..', 'statemachine', 'examples');
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(path.join(EXAMPLES, f), 'utf8')) as unknown] as const);

const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(published);
const ajvErrors = () => (validate.errors ?? []).map((e) => `${e.instancePath || '(input)'} ${e.message}`);

describe('statemachine/release-input.schema.json', () => {
  it('is what the zod schema generates now (else run `npm run schema` and commit the file)', () => {
    // Assess
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderSchemaFile());
  });

  it('is a draft 2020-12 schema of an object whose only required field is target', () => {
    // Assess
    expect(published).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['target'], additionalProperties: false });
  });

  it.each([
    ['no target', { artifact: { uri: 's3://b/k' } }],
    ['an unknown field', { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, colour: 'blue' }],
    ['an unknown target kind', { target: { kind: 'ec2-asg', name: 'x' } }],
    ['an alias made of digits', { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: '12' } }],
    ['a canary step of 100 %', { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, strategy: { type: 'canary', steps: [100] } }],
    ['a golden set that is not in S3', { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, smokeTest: { goldenSet: { uri: 'https://x/y' } } }],
  ])('rejects an input with %s, as the zod schema does', (_, input) => {
    // Act
    const byJsonSchema = validate(input);
    const byZod = releaseInputSchema.safeParse(input).success;
    // Assess
    expect({ byJsonSchema, byZod }).toEqual({ byJsonSchema: false, byZod: false });
  });
});

describe('statemachine/examples', () => {
  it('has the Lambda alias examples', () => {
    expect(examples.map(([f]) => f)).toEqual(expect.arrayContaining(['lambda-alias-canary-golden-set.json', 'lambda-alias-minimal.json']));
  });

  it.each(examples)('%s validates against the zod schema', (_, input) => {
    // Act
    const parsed = releaseInputSchema.safeParse(input);
    // Assess
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each(examples)('%s validates against the published JSON Schema', (_, input) => {
    // Act
    const ok = validate(input);
    // Assess
    expect(ok ? [] : ajvErrors()).toEqual([]);
  });
});
