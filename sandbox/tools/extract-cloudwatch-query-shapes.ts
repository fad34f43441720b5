/**
 * Extracts from botocore's CloudWatch model (service-2.json, Apache-2.0) the
 * operations the sandbox serves over the query protocol and every shape they
 * reach, without documentation, into sandbox/services/cloudwatch-query-shapes.json,
 * so that a fresh machine needs no apt for it. Run again when the served
 * operations change:
 *
 *   npx tsx sandbox/tools/extract-cloudwatch-query-shapes.ts [path/to/service-2.json]
 *
 * Default source: Debian's awscli package (2.9.19), the copy of botocore that
 * /usr/bin/aws itself serializes with.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SOURCE = process.argv[2] ?? '/usr/lib/python3/dist-packages/awscli/botocore/data/cloudwatch/2010-08-01/service-2.json';
const OUT = path.join(__dirname, '../services/cloudwatch-query-shapes.json');
const QUERY_OPERATIONS = [
  'DescribeAlarms', 'DescribeAlarmHistory', 'PutMetricAlarm', 'DeleteAlarms', 'SetAlarmState', 'EnableAlarmActions', 'DisableAlarmActions',
  'PutMetricData', 'GetMetricData', 'GetMetricStatistics', 'ListMetrics',
];

type Shape = Record<string, unknown> & { type: string; members?: Record<string, { shape: string }>; member?: { shape: string }; key?: { shape: string }; value?: { shape: string } };
interface Model { metadata: Record<string, unknown>; operations: Record<string, { input?: { shape: string }; output?: { shape: string; resultWrapper?: string }; errors?: { shape: string }[] }>; shapes: Record<string, Shape> }

const model = JSON.parse(readFileSync(SOURCE, 'utf8')) as Model;
const shapes: Record<string, Shape> = {};
const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'documentation'));
function visit(name: string): void {
  if (shapes[name]) return;
  const shape = model.shapes[name];
  if (!shape) throw new Error(`no shape ${name} in ${SOURCE}`);
  const copy = strip(shape) as Shape;
  if (copy.members) copy.members = Object.fromEntries(Object.entries(copy.members).map(([k, m]) => [k, strip(m) as { shape: string }]));
  shapes[name] = copy;
  for (const ref of [...Object.values(copy.members ?? {}), copy.member, copy.key, copy.value]) if (ref) visit(ref.shape);
}
const operations: Model['operations'] = {};
for (const op of QUERY_OPERATIONS) {
  const o = model.operations[op];
  if (!o) throw new Error(`no operation ${op} in ${SOURCE}`);
  operations[op] = { ...(o.input ? { input: o.input } : {}), ...(o.output ? { output: o.output } : {}), ...(o.errors ? { errors: o.errors } : {}) };
  for (const ref of [o.input, o.output, ...(o.errors ?? [])]) if (ref) visit(ref.shape);
}
const out = {
  source: `botocore data/cloudwatch/2010-08-01/service-2.json (from ${SOURCE}; Debian awscli 2.9.19-1), Apache-2.0, documentation removed`,
  metadata: model.metadata,
  operations,
  shapes: Object.fromEntries(Object.keys(shapes).sort().map((k) => [k, shapes[k]])),
};
writeFileSync(OUT, `${JSON.stringify(out, null, 1)}\n`);
console.log(`${OUT}: ${QUERY_OPERATIONS.length} operations, ${Object.keys(shapes).length} shapes`);
