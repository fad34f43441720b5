import { describeResult } from '../../cli/follow';
import { splitText } from '../../cli/format';
import { parseTargetRef } from '../../cli/target';
import { kindOfKey, TARGET_KINDS, targetKey, targetSchema, type Target } from '../../core/kinds';

/**
 * The registry of target kinds (core/kinds): what the rest of the code asks
 * instead of switching on a kind's name or guessing it from an id.
 */
const SAMPLES: Target[] = [
  targetSchema.parse({ kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }),
  targetSchema.parse({ kind: 'apigateway-stage', restApiId: 'a1b2c3d4e5', stageName: 'prod', functionName: 'ai-handler' }),
  targetSchema.parse({ kind: 'sagemaker-endpoint', endpointName: 'ai-endpoint', greenModel: { modelName: 'cutover-m' } }),
];

describe('the target kind registry', () => {
  it('lists every kind the release input accepts, each with a sample here', () => {
    // Act / Assess
    expect(TARGET_KINDS.map((k) => k.kind)).toEqual(SAMPLES.map((t) => t.kind));
  });

  it.each(SAMPLES.map((t) => [t.kind, t] as const))("%s: a target's key is recognised as a key of its own kind and of no other", (kind, target) => {
    // Act
    const key = targetKey(target);

    // Assess
    expect(kindOfKey(key)).toBe(kind);
    expect(TARGET_KINDS.filter((k) => k.keyPattern.test(key)).map((k) => k.kind)).toEqual([kind]);
  });

  it('recognises no key that no target of its kind could have (an alias is never only digits)', () => {
    // Act / Assess
    expect(kindOfKey('lambda-alias:ai-handler:42')).toBeUndefined();
    expect(kindOfKey('sagemaker-endpoint:-bad')).toBeUndefined();
    expect(kindOfKey('ecs-service:cluster:svc')).toBeUndefined();
  });

  it('names the sides of a release by the kind, never by the look of the id (a SageMaker variant may be called "2")', () => {
    // Act
    const endpoint = splitText({ '2': 90, green: 10 }, 'sagemaker-endpoint');
    const alias = splitText({ '7': 90, '8': 10 }, 'lambda-alias');
    const prepared = describeResult('PrepareGreen', { green: '3', blue: '2', createdGreen: true }, 'sagemaker-endpoint');

    // Assess
    expect(endpoint).toBe('variant 2: 90 %, variant green: 10 %');
    expect(alias).toBe('version 7: 90 %, version 8: 10 %');
    expect(prepared).toBe('green = variant 3 (new), blue = variant 2');
  });

  it("the CLI takes the other kinds' keys as cutover history prints them, and names the key's form when one is wrong", () => {
    // Act
    const endpoint = parseTargetRef('sagemaker-endpoint:ai-endpoint');
    const wrong = () => parseTargetRef('apigateway-stage:not-an-id:prod');

    // Assess
    expect(endpoint).toEqual({ key: 'sagemaker-endpoint:ai-endpoint' });
    expect(wrong).toThrow('target "apigateway-stage:not-an-id:prod": use apigateway-stage:RESTAPI:STAGE (the target key cutover history prints)');
  });
});
