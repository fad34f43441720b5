/**
 * What IAM enforcement costs per request: authorizations per second through the
 * sandbox's authorizer, uncached (one iam-simulate evaluation each) and cached
 * (the same role, action, resource and context again, the common case in a
 * release). Bounded: at most 2 s or 200,000 calls per loop.
 *
 *   npx tsx bench/iam-authorizations.ts
 */
import { IamAuthorizer } from '../sandbox/iam/authorize';
import { requiredPermissions } from '../sandbox/iam/operations';
import { IamService } from '../sandbox/services/iam';

async function perSecond(run: (i: number) => Promise<unknown>): Promise<number> {
  const start = Date.now();
  let i = 0;
  while (Date.now() - start < 2000 && i < 200_000) await run(i++);
  return Math.round(i / ((Date.now() - start) / 1000));
}

async function main(): Promise<void> {
  const iam = new IamService();
  const role = 'arn:aws:iam::000000000000:role/shift-traffic';
  iam.putRole(role, [
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: ['arn:aws:lambda:us-east-1:000000000000:function:ai-handler', 'arn:aws:lambda:us-east-1:000000000000:function:ai-handler:*'] },
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/cutover-ledger' },
        { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' },
      ],
    },
  ]);
  const session = iam.sessions.session(iam.sessions.issue(role, 'cutover-shift-traffic').accessKeyId)!;
  const authorizer = new IamAuthorizer(iam, '000000000000');
  const where = { region: 'us-east-1', account: '000000000000' };
  const ops = [
    requiredPermissions('lambda', 'UpdateAlias', { FunctionName: 'ai-handler', Name: 'production' }, where),
    requiredPermissions('dynamodb', 'GetItem', { TableName: 'cutover-ledger' }, where),
    requiredPermissions('cloudwatch', 'DescribeAlarms', { AlarmNames: ['cutover-errors'] }, where),
  ];
  const uncached = await perSecond((i) => authorizer.evaluate(session, ops[i % ops.length]![0]!));
  const cached = await perSecond((i) => authorizer.check(session, ops[i % ops.length]!));
  process.stdout.write(`iam-simulate, uncached: ${uncached} authorizations/s (${(1000 / uncached).toFixed(3)} ms each)\n`);
  process.stdout.write(`through the authorizer's decision cache: ${cached} authorizations/s (${(1000 / cached).toFixed(4)} ms each)\n`);
}

void main();
