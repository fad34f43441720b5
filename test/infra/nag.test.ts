/**
 * cdk-nag 3 (AwsSolutions). cdk-nag 3 is a policy-validation plugin, not an
 * Aspect: its findings are no longer Annotations (Annotations.fromStack shows
 * none either way), they come back from the pack (`validateScope`) and, in a
 * synthesized app, fail `app.synth()` and fill validation-report.json. Both
 * paths are checked. Bundling is skipped: nag reads the templates, not the code.
 */
import * as fs from 'fs';
import { App, Stack, Validations, type Acknowledgment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CutoverStack } from '../../infra';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const GOLDEN_SETS = [{ bucketName: 'cutover-golden-sets', prefix: 'sets/' }];

describe('cdk-nag AwsSolutions', () => {
  let app: App;
  let stack: Stack;
  let pack: AwsSolutionsChecks;

  beforeAll(() => {
    // Prepare: every kind of permission present (golden sets included).
    app = new App({ context: NO_BUNDLING });
    stack = new CutoverStack(app, 'Cutover', { goldenSetBuckets: GOLDEN_SETS });
    pack = new AwsSolutionsChecks(app, { verbose: true });
    Validations.of(app).addPlugins(pack);
  }, 120_000);

  it('finds no unacknowledged error or warning', () => {
    // Act
    const report = pack.validateScope(stack);
    const summary = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    // Assess
    expect(summary.filter((s) => s.startsWith('error'))).toEqual([]);
    expect(summary.filter((s) => s.startsWith('warning'))).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('lets the app synthesize with the plugin registered, with an empty validation report', () => {
    // Act
    const assembly = app.synth();
    const report = JSON.parse(fs.readFileSync(`${assembly.directory}/validation-report.json`, 'utf8'));
    // Assess
    expect(report.pluginReports.filter((r: { pluginName?: string }) => r.pluginName === 'AwsSolutions')).toEqual([]);
  });
});

describe('cdk-nag acknowledgements', () => {
  const recorded: { path: string; ack: Acknowledgment }[] = [];
  let findings: { rule: string; paths: string[] }[];
  const original = Validations.prototype.acknowledge;

  beforeAll(() => {
    // Prepare: the same stack with every acknowledgement recorded instead of applied.
    Validations.prototype.acknowledge = function (this: Validations, ...rules: Acknowledgment[]) {
      const scope = (this as unknown as { scope: { node: { path: string } } }).scope;
      for (const ack of rules) recorded.push({ path: scope.node.path, ack });
    };
    try {
      const app = new App({ context: NO_BUNDLING });
      const stack = new CutoverStack(app, 'Cutover', { goldenSetBuckets: GOLDEN_SETS });
      // Act
      findings = new AwsSolutionsChecks(app).validateScope(stack).violations.map((v) => ({
        rule: v.ruleName,
        paths: v.violatingResources.map((r) => r.constructPath ?? ''),
      }));
    } finally {
      Validations.prototype.acknowledge = original;
    }
  }, 120_000);

  it('acknowledges only findings that exist (none is stale), each on the construct that raises it', () => {
    // Assess
    expect(recorded.length).toBeGreaterThan(0);
    for (const { path, ack } of recorded) {
      const hit = findings.some((f) => f.rule === ack.id && f.paths.some((p) => p === path || p.startsWith(`${path}/`)));
      expect({ id: ack.id, path, raised: hit }).toEqual({ id: ack.id, path, raised: true });
    }
  });

  it('acknowledges only IAM5 (scoped wildcards, no-resource-level actions) and L1 (pinned runtime)', () => {
    // Assess
    const rules = new Set(recorded.map(({ ack }) => ack.id.replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-L1']);
    expect(findings.map((f) => f.rule.replace(/\[.*$/, '')).filter((r) => !rules.has(r))).toEqual([]);
  });

  it('never acknowledges a wildcard action, and gives every acknowledgement a specific reason', () => {
    // Assess
    for (const { ack } of recorded) {
      expect(ack.id).not.toMatch(/\[Action::/);
      expect(ack.reason.length).toBeGreaterThan(60);
    }
  });
});
