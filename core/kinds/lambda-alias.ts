/**
 * Target kind `lambda-alias`: green is a published version of the function,
 * the switch weights the alias (canary steps via its routing config).
 */
import { z } from 'zod';
import { aliasName, lambdaFunctionName } from './names';
import type { TargetKindFacts } from './types';

export const lambdaAliasTarget = z.strictObject({
  kind: z.literal('lambda-alias'),
  functionName: lambdaFunctionName,
  alias: aliasName,
});

export type LambdaAliasTarget = z.infer<typeof lambdaAliasTarget>;

/** `ai-handler` from `ai-handler` or `arn:aws:lambda:…:function:ai-handler`. */
export function bareFunctionName(nameOrArn: string): string {
  const i = nameOrArn.lastIndexOf(':function:');
  return i >= 0 ? nameOrArn.slice(i + ':function:'.length) : nameOrArn;
}

export const LAMBDA_ALIAS: TargetKindFacts<LambdaAliasTarget> = {
  kind: 'lambda-alias',
  schema: lambdaAliasTarget,
  key: (t) => `lambda-alias:${bareFunctionName(t.functionName)}:${t.alias}`,
  keyPattern: /^lambda-alias:[A-Za-z0-9_-]{1,64}:(?![0-9]+$)[A-Za-z0-9_-]{1,128}$/,
  keyForm: 'lambda-alias:FUNCTION:ALIAS',
  side: 'version',
  needs: 'functionName and alias',
  label: (t) => `${bareFunctionName(t.functionName)}-${t.alias}`,
};
