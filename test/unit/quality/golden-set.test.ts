import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { GoldenSetInvalid } from '../../../core/errors';
import { loadGoldenSet, parseGoldenSet } from '../../../core/quality/golden-set';

const line = (o: unknown): string => JSON.stringify(o);
const goodCase = (id: string): string => line({ id, input: { text: `ticket ${id}` }, expect: [{ path: 'label', equals: 'billing' }] });

/** The GoldenSetInvalid a call throws, so its message can be checked in full. */
function invalidFrom(fn: () => unknown): GoldenSetInvalid {
  try {
    fn();
  } catch (err) {
    if (err instanceof GoldenSetInvalid) return err;
    throw err;
  }
  throw new Error('expected GoldenSetInvalid, nothing was thrown');
}

describe('parseGoldenSet', () => {
  it('parses one case per line, ignoring blank lines and CRLF', () => {
    // Prepare
    const text = [goodCase('billing-001'), '', '   ', line({ id: 'tech-001', input: 'reset', expect: [{ contains: 'password' }] })].join('\r\n');

    // Act
    const set = parseGoldenSet(text);

    // Assess
    expect(set.outputSchema).toBeUndefined();
    expect(set.cases).toEqual([
      { id: 'billing-001', input: { text: 'ticket billing-001' }, expect: [{ path: 'label', equals: 'billing' }], line: 1 },
      { id: 'tech-001', input: 'reset', expect: [{ path: '', contains: 'password' }], line: 4 },
    ]);
  });

  it('defaults expect to no checks and keeps a null input', () => {
    const set = parseGoldenSet(line({ id: 'a', input: null }));
    expect(set.cases[0]).toEqual({ id: 'a', input: null, expect: [], line: 1 });
  });

  it('reads an optional outputSchema header on the first line', () => {
    // Prepare
    const schema = { type: 'object', required: ['label'], properties: { label: { enum: ['billing', 'technical'] } } };
    const text = ['', line({ outputSchema: schema }), goodCase('a')].join('\n');

    // Act
    const set = parseGoldenSet(text);

    // Assess
    expect(set.outputSchema).toEqual(schema);
    expect(set.cases.map((c) => c.id)).toEqual(['a']);
  });

  it('rejects a header schema that does not compile, naming outputSchema and the line', () => {
    // Prepare
    const text = [line({ outputSchema: { type: 'no-such-type' } }), goodCase('a')].join('\n');

    // Act
    const err = invalidFrom(() => parseGoldenSet(text));

    // Assess
    expect(err.message).toMatch(/^golden set is invalid: line 1: outputSchema does not compile/);
  });

  it('rejects a header with other keys', () => {
    const err = invalidFrom(() => parseGoldenSet([line({ outputSchema: {}, version: 2 }), goodCase('a')].join('\n')));
    expect(err.message).toContain('line 1: header: Unrecognized key: "version"');
  });

  it('names the line of malformed JSON', () => {
    // Prepare
    const text = [goodCase('a'), goodCase('b'), '{"id": "c", "input": ', goodCase('d')].join('\n');

    // Act
    const err = invalidFrom(() => parseGoldenSet(text));

    // Assess
    expect(err.name).toBe('GoldenSetInvalid');
    expect(err.message).toMatch(/^golden set is invalid: line 3: not valid JSON \(.+\); each line must be one JSON object$/);
  });

  it('names the line and the field of a bad check', () => {
    // Prepare
    const lines = Array.from({ length: 11 }, (_, i) => goodCase(`case-${i}`));
    lines.push(line({ id: 'case-11', input: 'x', expect: [{ path: 'label', equals: 'a', contains: 'b' }] }));

    // Act
    const err = invalidFrom(() => parseGoldenSet(lines.join('\n')));

    // Assess
    expect(err.message).toBe('golden set is invalid: line 12: expect.0: give exactly one of equals, oneOf, regex, contains, approx');
  });

  it('reports every bad line, listing the first five', () => {
    // Prepare
    const text = Array.from({ length: 8 }, (_, i) => line({ id: `c${i}`, input: 1, expect: [{ regex: '(' }] })).join('\n');

    // Act
    const err = invalidFrom(() => parseGoldenSet(text));

    // Assess
    expect(err.message).toContain('line 1: expect.0.regex: not a valid regular expression');
    expect(err.message).toContain('line 5: expect.0.regex');
    expect(err.message).not.toContain('line 6:');
    expect(err.message).toMatch(/\(\+3 more\)$/);
  });

  it('rejects a case without id or input, and unknown fields', () => {
    const err = invalidFrom(() => parseGoldenSet(line({ input: 1, extra: true }) + '\n' + line({ id: 'x' })));
    expect(err.message).toContain('line 1: id: required');
    expect(err.message).toContain('line 1: Unrecognized key: "extra"');
    expect(err.message).toContain('line 2: input: required');
  });

  it('rejects duplicate ids, naming both lines', () => {
    const err = invalidFrom(() => parseGoldenSet([goodCase('a'), goodCase('b'), goodCase('a')].join('\n')));
    expect(err.message).toBe('golden set is invalid: line 3: id: "a" is already used on line 1');
  });

  it('rejects more cases than the limit, giving the count and the limit', () => {
    // Prepare
    const text = Array.from({ length: 6 }, (_, i) => goodCase(`c${i}`)).join('\n');

    // Act
    const err = invalidFrom(() => parseGoldenSet(text, { maxCases: 5 }));

    // Assess
    expect(err.message).toMatch(/^golden set has 6 cases; the limit is 5\./);
  });

  it('does not count the header as a case', () => {
    const text = [line({ outputSchema: { type: 'object' } }), ...Array.from({ length: 5 }, (_, i) => goodCase(`c${i}`))].join('\n');
    expect(parseGoldenSet(text, { maxCases: 5 }).cases).toHaveLength(5);
  });

  it('rejects more bytes than the limit, giving the size and the limit', () => {
    const err = invalidFrom(() => parseGoldenSet(goodCase('é'), { maxBytes: 10 }));
    expect(err.message).toMatch(/^golden set is \d+ bytes; the limit is 10 bytes\./);
  });

  it('rejects an empty set', () => {
    expect(() => parseGoldenSet('\n\n')).toThrow(/golden set has no cases/);
  });
});

describe('loadGoldenSet', () => {
  const s3 = mockClient(S3Client);
  const client = new S3Client({});
  const uri = 's3://quality-bucket/golden/support.jsonl';

  beforeEach(() => s3.reset());

  const body = (text: string) => ({ transformToString: async () => text }) as never;

  it('reads and parses the object at the URI', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Bucket: 'quality-bucket', Key: 'golden/support.jsonl' }).resolves({ Body: body(goodCase('a')) });

    // Act
    const set = await loadGoldenSet(client, uri);

    // Assess
    expect(set.cases.map((c) => c.id)).toEqual(['a']);
  });

  it('turns NoSuchKey into GoldenSetInvalid with the URI', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));

    // Act
    const act = loadGoldenSet(client, uri);

    // Assess
    await expect(act).rejects.toThrow(GoldenSetInvalid);
    await expect(loadGoldenSet(client, uri)).rejects.toThrow(`golden set ${uri} does not exist (NoSuchKey)`);
  });

  it('turns AccessDenied into GoldenSetInvalid saying which permission to grant', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    // Act
    const act = loadGoldenSet(client, uri);

    // Assess
    await expect(act).rejects.toThrow(/AccessDenied\): grant the smoke-test function s3:GetObject on arn:aws:s3:::quality-bucket\/golden\/support\.jsonl/);
  });

  it('rethrows other errors unchanged, for the state machine to retry', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Slow Down'), { name: 'SlowDown' });
    s3.on(GetObjectCommand).rejects(throttled);

    // Act / Assess
    await expect(loadGoldenSet(client, uri)).rejects.toBe(throttled);
  });

  it('refuses an object over the size limit before reading it', async () => {
    // Prepare
    const read = jest.fn();
    s3.on(GetObjectCommand).resolves({ ContentLength: 6 * 1024 * 1024, Body: { transformToString: read } as never });

    // Act / Assess
    await expect(loadGoldenSet(client, uri)).rejects.toThrow(`golden set ${uri} is 6291456 bytes; the limit is 5242880 bytes`);
    expect(read).not.toHaveBeenCalled();
  });

  it('prefixes parse errors with the URI', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('not json') });
    await expect(loadGoldenSet(client, uri)).rejects.toThrow(`${uri}: golden set is invalid: line 1: not valid JSON`);
  });

  it('rejects a URI that is not s3://', async () => {
    await expect(loadGoldenSet(client, 'https://example.com/x.jsonl')).rejects.toThrow(GoldenSetInvalid);
  });
});
