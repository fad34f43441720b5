import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  OUTPUT_SCHEMA_METRIC,
  OutputSchemaInvalid,
  outputSchemaValidation,
} from '../../middleware/output-schema';

const schema = {
  type: 'object',
  required: ['label'],
  properties: { label: { enum: ['billing', 'technical'] }, confidence: { type: 'number' } },
};

const context = {
  functionName: 'ticket-classifier',
  functionVersion: '7',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ticket-classifier:live',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** EMF lines written to stdout while `fn` runs. */
async function captureEmf(fn: () => Promise<unknown>): Promise<{ emf: Emf[]; result: PromiseSettledResult<unknown> }> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const [result] = await Promise.allSettled([fn()]);
    return { emf: lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf), result };
  } finally {
    spy.mockRestore();
  }
}

const handlerReturning = (response: unknown) => jest.fn(async () => response);

describe('outputSchemaValidation', () => {
  it('passes a valid output and publishes 0 failures for the executed version', async () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'TicketService', serviceName: 'tickets', defaultDimensions: { stage: 'prod' } });
    const handler = middy().use(outputSchemaValidation({ schema, metrics })).handler(handlerReturning({ label: 'billing', confidence: 0.9 }));

    // Act
    const { emf, result } = await captureEmf(() => handler({}, context));

    // Assess
    expect(result).toEqual({ status: 'fulfilled', value: { label: 'billing', confidence: 0.9 } });
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'TicketService', Dimensions: [['FunctionName', 'ExecutedVersion']], Metrics: [{ Name: OUTPUT_SCHEMA_METRIC, Unit: 'Count' }] },
    ]);
    expect(emf[0]).toMatchObject({ [OUTPUT_SCHEMA_METRIC]: 0, FunctionName: 'ticket-classifier', ExecutedVersion: '7' });
    // The service's own default dimensions stay out of the alarm's dimension set.
    expect(emf[0]).not.toHaveProperty('stage');
    expect(emf[0]).not.toHaveProperty('service');
  });

  it('emits nothing for a valid output when emitOnSuccess is off', async () => {
    // Prepare
    const handler = middy().use(outputSchemaValidation({ schema, emitOnSuccess: false })).handler(handlerReturning({ label: 'billing' }));

    // Act
    const { emf } = await captureEmf(() => handler({}, context));

    // Assess
    expect(emf).toEqual([]);
  });

  it('passes an invalid output through by default, counting 1 failure', async () => {
    // Prepare
    const invalid = { label: 'refund' };
    const handler = middy().use(outputSchemaValidation({ schema, namespace: 'Cutover/Test' })).handler(handlerReturning(invalid));

    // Act
    const { emf, result } = await captureEmf(() => handler({}, context));

    // Assess
    expect(result).toEqual({ status: 'fulfilled', value: invalid });
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('Cutover/Test');
    expect(emf[0]).toMatchObject({ [OUTPUT_SCHEMA_METRIC]: 1, ExecutedVersion: '7', FunctionName: 'ticket-classifier' });
  });

  it("throws OutputSchemaInvalid listing the schema errors with onInvalid 'error', after counting the failure", async () => {
    // Prepare
    const handler = middy()
      .use(outputSchemaValidation({ schema, onInvalid: 'error' }))
      .handler(handlerReturning({ confidence: 'high' }));

    // Act
    const { emf, result } = await captureEmf(() => handler({}, context));

    // Assess
    expect(result.status).toBe('rejected');
    const err = (result as PromiseRejectedResult).reason as OutputSchemaInvalid;
    expect(err).toBeInstanceOf(OutputSchemaInvalid);
    expect(err.name).toBe('OutputSchemaInvalid');
    expect(err.message).toBe("output does not match its JSON Schema: output must have required property 'label'; confidence must be number");
    expect(emf.map((e) => e[OUTPUT_SCHEMA_METRIC])).toEqual([1]);
  });

  it('publishes one data point per invocation, with that invocation’s version', async () => {
    // Prepare
    const handler = middy().use(outputSchemaValidation({ schema })).handler(async (event: { label: string }) => event);

    // Act
    const { emf } = await captureEmf(async () => {
      await handler({ label: 'billing' }, context);
      await handler({ label: 'nope' }, { ...context, functionVersion: '8' });
    });

    // Assess
    expect(emf.map((e) => [e[OUTPUT_SCHEMA_METRIC], e.ExecutedVersion])).toEqual([
      [0, '7'],
      [1, '8'],
    ]);
  });

  it('validates the selected part of the response, and treats an unreadable one as invalid', async () => {
    // Prepare
    const select = (r: unknown) => JSON.parse((r as { body: string }).body) as unknown;
    const handler = middy()
      .use(outputSchemaValidation({ schema, select, onInvalid: 'error' }))
      .handler(async (event: { body: string }) => ({ statusCode: 200, body: event.body }));

    // Act
    const { result: good } = await captureEmf(() => handler({ body: '{"label":"technical"}' }, context));
    const { result: bad } = await captureEmf(() => handler({ body: 'not json' }, context));

    // Assess
    expect(good.status).toBe('fulfilled');
    expect((bad as PromiseRejectedResult).reason.message).toMatch(/^output does not match its JSON Schema: the output could not be read: /);
  });

  it('fails at initialisation for a schema that does not compile', () => {
    expect(() => outputSchemaValidation({ schema: { type: 'objekt' } })).toThrow(/^outputSchema does not compile/);
  });
});
