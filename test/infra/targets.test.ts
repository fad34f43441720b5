/**
 * SageMaker endpoints and API Gateway stages as targets: the props, the IAM
 * statements they add (scoped to the named endpoints and stages, and to the
 * `cutover-` configs and models), and cdk-nag staying clean. Bundling is skipped.
 */
import { App, Validations, type Acknowledgment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CutoverStack } from '../../infra';
import { ACCOUNT, REGION, allStatements, functionOf, grantsOf, orchestratorStack, roleOf } from './helpers';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const SM = (what: string) => `arn:<AWS::Partition>:sagemaker:${REGION}:${ACCOUNT}:${what}`;
const ENDPOINT = SM('endpoint/ai-endpoint');
const CONFIGS = SM('endpoint-config/cutover-*');
const MODELS = SM('model/cutover-*');
const STAGE = `arn:<AWS::Partition>:apigateway:${REGION}::/restapis/a1b2c3d4e5/stages/prod`;
const FN_VERSIONS = `arn:<AWS::Partition>:lambda:${REGION}:${ACCOUNT}:function:ai-handler:*`;
const ROLE = 'arn:aws:iam::111111111111:role/sagemaker-models';
const PROPS = {
  managedEndpoints: ['ai-endpoint'],
  managedStages: [{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }],
  sagemakerExecutionRoleArns: [ROLE],
};

const build = (props = {}) => Template.fromStack(orchestratorStack(props, { bundle: false }).stack);
const targetGrants = (template: Template, task: string) => grantsOf(allStatements(template), roleOf(template, task)).filter((g) => /^(sagemaker|apigateway|iam|lambda:AddPermission|lambda:GetPolicy)/.test(g));

describe('without managedEndpoints or managedStages', () => {
  it('grants no SageMaker, API Gateway or PassRole action, and tells ValidateInput it manages none', () => {
    // Act
    const template = build();
    const variables = functionOf(template, 'ValidateInput').Environment.Variables;

    // Assess
    expect(allStatements(template).flatMap((s) => s.actions).filter((a) => /^(sagemaker|apigateway|iam):|AddPermission/.test(a))).toEqual([]);
    expect([variables.CUTOVER_MANAGED_ENDPOINTS, variables.CUTOVER_MANAGED_STAGES]).toEqual(['[]', '[]']);
  });
});

describe('managedEndpoints, managedStages and sagemakerExecutionRoleArns', () => {
  const template = build(PROPS);

  it('hands the endpoints and stages to ValidateInput, and the stages to the functions that retire Lambda versions', () => {
    // Assess
    const variables = functionOf(template, 'ValidateInput').Environment.Variables;
    expect(JSON.parse(variables.CUTOVER_MANAGED_ENDPOINTS)).toEqual(['ai-endpoint']);
    expect(JSON.parse(variables.CUTOVER_MANAGED_STAGES)).toEqual([{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }]);
    // A version an alias release retires may be the one a stage of the same function still selects.
    for (const task of ['Decommission', 'ReconcileRelease']) {
      expect(JSON.parse(functionOf(template, task).Environment.Variables.CUTOVER_MANAGED_STAGES)).toEqual([{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }]);
    }
    expect(functionOf(template, 'ShiftTraffic').Environment.Variables.CUTOVER_MANAGED_STAGES).toBeUndefined();
  });

  it('CutoverStack passes the SageMaker execution roles of the context: iam:PassRole on them, to SageMaker only', () => {
    // Prepare
    const other = 'arn:aws:iam::111111111111:role/other-models';
    const app = new App({ context: { ...NO_BUNDLING, managedEndpoints: 'ai-endpoint', sagemakerExecutionRoleArns: `${ROLE},${other}` } });

    // Act
    const template = Template.fromStack(new CutoverStack(app, 'Cutover'));
    const passRole = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown; Condition?: unknown }[])
      .filter((s) => s.Action === 'iam:PassRole');

    // Assess: PrepareGreen creates the models, so its role alone may pass them.
    expect(passRole).toEqual([{ Action: 'iam:PassRole', Effect: 'Allow', Resource: [ROLE, other], Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }, Sid: expect.any(String) }]);
    expect(targetGrants(template, 'PrepareGreen')).toEqual(expect.arrayContaining([`iam:PassRole ${ROLE}`, `iam:PassRole ${other}`]));
  });

  it('grants each Task exactly what its router calls, on the named endpoint and stage and the cutover- configs and models', () => {
    // Assess
    expect(targetGrants(template, 'PrepareGreen')).toEqual(
      [
        `apigateway:GET ${STAGE}`,
        `iam:PassRole ${ROLE}`,
        `lambda:AddPermission ${FN_VERSIONS}`,
        `lambda:GetPolicy ${FN_VERSIONS}`,
        `sagemaker:AddTags ${CONFIGS}`,
        `sagemaker:AddTags ${MODELS}`,
        `sagemaker:CreateEndpointConfig ${CONFIGS}`,
        `sagemaker:CreateModel ${MODELS}`,
        `sagemaker:DescribeEndpoint ${ENDPOINT}`,
        `sagemaker:DescribeEndpointConfig ${SM('endpoint-config/*')}`,
        `sagemaker:DescribeModel ${SM('model/*')}`,
        `sagemaker:ListTags ${CONFIGS}`,
        `sagemaker:UpdateEndpoint ${CONFIGS}`,
        `sagemaker:UpdateEndpoint ${ENDPOINT}`,
      ].sort(),
    );
    expect(targetGrants(template, 'CheckGreenReady')).toEqual([`sagemaker:DescribeEndpoint ${ENDPOINT}`]);
    expect(targetGrants(template, 'SmokeTest')).toEqual([`sagemaker:InvokeEndpoint ${ENDPOINT}`]);
    for (const task of ['ShiftTraffic', 'RollBack']) {
      expect(targetGrants(template, task)).toEqual(
        [
          `apigateway:GET ${STAGE}`,
          `apigateway:PATCH ${STAGE}`,
          `sagemaker:DescribeEndpoint ${ENDPOINT}`,
          `sagemaker:DescribeEndpointConfig ${CONFIGS}`,
          `sagemaker:UpdateEndpointWeightsAndCapacities ${ENDPOINT}`,
        ].sort(),
      );
    }
    expect(targetGrants(template, 'CheckAlarms')).toEqual(
      [`sagemaker:DescribeEndpoint ${ENDPOINT}`, `sagemaker:DescribeEndpointConfig ${CONFIGS}`, `sagemaker:UpdateEndpointWeightsAndCapacities ${ENDPOINT}`].sort(),
    );
    expect(targetGrants(template, 'Decommission')).toEqual(
      [
        `apigateway:GET ${STAGE}`,
        `sagemaker:CreateEndpointConfig ${CONFIGS}`,
        `sagemaker:DeleteEndpointConfig ${CONFIGS}`,
        `sagemaker:DeleteModel ${MODELS}`,
        `sagemaker:DescribeEndpoint ${ENDPOINT}`,
        `sagemaker:DescribeEndpointConfig ${SM('endpoint-config/*')}`,
        `sagemaker:ListTags ${CONFIGS}`,
        `sagemaker:UpdateEndpoint ${CONFIGS}`,
        `sagemaker:UpdateEndpoint ${ENDPOINT}`,
      ].sort(),
    );
  });

  it('puts no mutating SageMaker action on anything but the named endpoint or the cutover- prefix, and PassRole only to SageMaker', () => {
    // Prepare
    const statements = allStatements(template);
    const mutating = statements.flatMap((s) => s.actions.filter((a) => a.startsWith('sagemaker:') && !/^sagemaker:(Describe|InvokeEndpoint)/.test(a)).flatMap((a) => s.resources.map((r) => [a, r])));
    const passRole = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[])
      .filter((s) => s.Action === 'iam:PassRole');

    // Assess
    expect(mutating.length).toBeGreaterThan(0);
    for (const [, resource] of mutating) expect([ENDPOINT, CONFIGS, MODELS]).toContain(resource);
    expect(passRole).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } })]);
  });

  it('rejects names that would widen the permissions', () => {
    // Act / Assess
    expect(() => build({ managedEndpoints: ['ai-*'] })).toThrow(/managedEndpoints/);
    expect(() => build({ managedStages: [{ restApiId: '*', stageName: 'prod' }] })).toThrow(/managedStages.restApiId/);
    expect(() => build({ managedEndpoints: ['ai-endpoint'], sagemakerExecutionRoleArns: ['arn:aws:iam::111111111111:role/*'] })).toThrow(/sagemakerExecutionRoleArns/);
  });

  it('CutoverStack reads them from the context', () => {
    // Prepare
    const app = new App({ context: { ...NO_BUNDLING, managedEndpoints: 'ai-endpoint', managedStages: 'a1b2c3d4e5/prod' } });

    // Act
    const variables = functionOf(Template.fromStack(new CutoverStack(app, 'Cutover')), 'ValidateInput').Environment.Variables;

    // Assess
    expect(JSON.parse(variables.CUTOVER_MANAGED_ENDPOINTS)).toEqual(['ai-endpoint']);
    expect(JSON.parse(variables.CUTOVER_MANAGED_STAGES)).toEqual([{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }]);
  });
});

describe('cdk-nag with every target kind', () => {
  it('finds nothing unacknowledged, and every new acknowledgement matches a finding', () => {
    // Prepare: record the acknowledgements as they are made.
    const recorded: { path: string; ack: Acknowledgment }[] = [];
    const original = Validations.prototype.acknowledge;
    Validations.prototype.acknowledge = function (this: Validations, ...rules: Acknowledgment[]) {
      const scope = (this as unknown as { scope: { node: { path: string } } }).scope;
      for (const ack of rules) recorded.push({ path: scope.node.path, ack });
      return original.apply(this, rules);
    };
    let report: ReturnType<AwsSolutionsChecks['validateScope']>;
    let findings: { rule: string; paths: string[] }[];
    try {
      const app = new App({ context: NO_BUNDLING });
      const stack = new CutoverStack(app, 'Cutover', { orchestrator: PROPS });
      // Act
      report = new AwsSolutionsChecks(app).validateScope(stack);
      Validations.prototype.acknowledge = () => undefined;
      const unacknowledged = new App({ context: NO_BUNDLING });
      findings = new AwsSolutionsChecks(unacknowledged)
        .validateScope(new CutoverStack(unacknowledged, 'Cutover', { orchestrator: PROPS }))
        .violations.map((v) => ({ rule: v.ruleName, paths: v.violatingResources.map((r) => r.constructPath ?? '') }));
    } finally {
      Validations.prototype.acknowledge = original;
    }

    // Assess
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    const sagemakerAcks = recorded.filter(({ ack }) => /sagemaker/.test(ack.id));
    expect(sagemakerAcks.length).toBeGreaterThan(0);
    for (const { path, ack } of sagemakerAcks) {
      expect({ id: ack.id, raised: findings.some((f) => f.rule === ack.id && f.paths.some((p) => p === path || p.startsWith(`${path}/`))) }).toEqual({ id: ack.id, raised: true });
      expect(ack.id).not.toMatch(/\[Action::/);
    }
  }, 120_000);
});
