import { z } from 'zod';

/** Lambda names: 1-64 of letters, digits, - and _ (a full ARN is accepted too). */
export const lambdaFunctionName = z
  .string()
  .regex(
    /^(arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/,
    'must be a Lambda function name (letters, digits, - and _, at most 64) or its unqualified ARN',
  );

export const aliasName = z
  .string()
  .regex(/^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/, 'must be an alias name (letters, digits, - and _, not only digits)');

