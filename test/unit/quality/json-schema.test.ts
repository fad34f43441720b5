import { GoldenSetInvalid } from '../../../core/errors';
import { compileOutputSchema } from '../../../core/quality/json-schema';

const schema = {
  type: 'object',
  required: ['label', 'confidence'],
  additionalProperties: false,
  properties: {
    label: { enum: ['billing', 'technical', 'account'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    at: { type: 'string', format: 'date-time' },
  },
};

describe('compileOutputSchema', () => {
  it('accepts a valid output', () => {
    // Prepare
    const validate = compileOutputSchema(schema);

    // Act
    const result = validate({ label: 'billing', confidence: 0.9, at: '2025-01-01T00:00:00Z' });

    // Assess
    expect(result).toEqual({ valid: true, errors: '' });
  });

  it('lists the errors with dot paths and details', () => {
    // Prepare
    const validate = compileOutputSchema(schema);

    // Act
    const result = validate({ label: 'refund', extra: 1 });

    // Assess
    expect(result.valid).toBe(false);
    expect(result.errors).toBe(
      "output must have required property 'confidence'; output must NOT have additional properties (extra); label must be equal to one of the allowed values (billing, technical, account)",
    );
  });

  it('checks formats (ajv-formats)', () => {
    expect(compileOutputSchema(schema)({ label: 'billing', confidence: 1, at: 'yesterday' }).errors).toBe('at must match format "date-time"');
  });

  it('counts the errors it does not list', () => {
    // Prepare
    const validate = compileOutputSchema({ type: 'array', items: { type: 'number' } });

    // Act
    const result = validate(['a', 'b', 'c', 'd', 'e']);

    // Assess
    expect(result.errors).toBe('0 must be number; 1 must be number; 2 must be number (+2 more)');
  });

  it('returns the cached validator for the same schema, whatever its key order', () => {
    // Prepare
    const a = { type: 'object', required: ['x'] };
    const b = { required: ['x'], type: 'object' };

    // Act / Assess
    expect(compileOutputSchema(a)).toBe(compileOutputSchema(b));
  });

  it('honours a 2020-12 $schema', () => {
    // Prepare
    const validate = compileOutputSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: false,
    });

    // Act / Assess
    expect(validate(['a']).valid).toBe(true);
    expect(validate(['a', 'b']).valid).toBe(false);
  });

  it('accepts two different schemas with the same $id', () => {
    expect(() => {
      compileOutputSchema({ $id: 'https://example.com/out', type: 'string' });
      compileOutputSchema({ $id: 'https://example.com/out', type: 'number' });
    }).not.toThrow();
  });

  it('throws GoldenSetInvalid naming outputSchema for a schema that does not compile', () => {
    // Act
    const act = () => compileOutputSchema({ type: 'object', properties: { x: { type: 'strng' } } });

    // Assess
    expect(act).toThrow(GoldenSetInvalid);
    expect(act).toThrow(/^outputSchema does not compile as a JSON Schema: /);
  });
});
