#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy -c managedFunctions=ai-handler`.
 * cdk-nag 3 is a policy-validation plugin (no longer an Aspect): its findings
 * fail synthesis unless acknowledged, with a reason, on the construct.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CutoverStack } from './cutover-stack';

const app = new App();
new CutoverStack(app, String(app.node.tryGetContext('stackName') ?? 'Cutover'), {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
