/**
 * Each Task's `ledger:` grant (infra/defaults.ts) against the DynamoDB item
 * actions its code paths take: the Ledger methods a task folder calls (in its
 * own files and the core/ and targets/ modules they import), each mapped to
 * the DocumentClient commands it sends, through the Ledger's own private
 * helpers. On AWS a missing action is an AccessDeniedException at run time
 * (ShiftTraffic's GetItem was one: every release rolled back before moving
 * traffic), so the grant must cover every call, and grant nothing unused.
 *
 * Read from the source on purpose: a run-based check sees only the paths a
 * scenario happens to take (e.g. the lock takeover's second GetItem).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RECONCILER_FUNCTION, TASK_FUNCTIONS } from '../../infra/defaults';

const ROOT = path.resolve(__dirname, '../..');
const LEDGER_FILE = path.join(ROOT, 'core/ledger.ts');

/** DocumentClient command → the IAM action of the DynamoDB operation it calls. */
const COMMAND_ACTIONS: Record<string, string> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems',
  TransactWriteCommand: 'TransactWriteItems',
};

/** The body of each method of the Ledger class, by name. */
function ledgerMethods(): Map<string, string> {
  const source = readFileSync(LEDGER_FILE, 'utf8');
  const classBody = source.slice(source.indexOf('export class Ledger'));
  const methods = new Map<string, string>();
  const heads = [...classBody.matchAll(/^ {2}(?:public |private )?(?:async )?([a-zA-Z]+)\(/gm)];
  heads.forEach((m, i) => methods.set(m[1] as string, classBody.slice(m.index, heads[i + 1]?.index ?? classBody.length)));
  return methods;
}

/** The DynamoDB actions a Ledger method takes, following `this.<method>(` calls. */
function actionsOf(method: string, methods: Map<string, string>, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const body = methods.get(method);
  if (body === undefined || seen.has(method)) return out;
  seen.add(method);
  for (const [command, action] of Object.entries(COMMAND_ACTIONS)) if (new RegExp(`new ${command}\\(`).test(body)) out.add(action);
  for (const call of body.matchAll(/this\.([a-zA-Z]+)\(/g)) for (const a of actionsOf(call[1] as string, methods, seen)) out.add(a);
  return out;
}

/** A task folder's non-test sources and the core/ and targets/ modules they import (one level, not the Ledger itself). */
function sourcesOf(folder: string): string[] {
  const dir = path.join(ROOT, 'functions', folder);
  const own = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f));
  const resolve = (base: string) => (existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'));
  const shared = own.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    return [
      ...[...text.matchAll(/from '\.\.\/\.\.\/((?:core|targets)(?:\/[a-z-]+)*)'/g)].map((m) => resolve(path.join(ROOT, m[1] as string))),
      // The handler kit (the fence) and other Tasks' functions a folder reuses (the reconciler).
      ...[...text.matchAll(/from '\.\.\/([a-z-]+\/[a-z-]+)'/g)].map((m) => resolve(path.join(ROOT, 'functions', m[1] as string))),
    ];
  });
  return [...new Set([...own, ...shared])].filter((f) => f !== LEDGER_FILE);
}

function ledgerActionsOfTask(folder: string, methods: Map<string, string>): string[] {
  const actions = new Set<string>();
  for (const file of sourcesOf(folder)) {
    for (const call of readFileSync(file, 'utf8').matchAll(/ledger\.([a-zA-Z]+)\(/g)) {
      const method = call[1] as string;
      if (!methods.has(method)) throw new Error(`${path.relative(ROOT, file)} calls ledger.${method}, which the Ledger class does not define`);
      for (const a of actionsOf(method, methods)) actions.add(a);
    }
  }
  return [...actions].sort();
}

describe("each Task's ledger grant covers what its code does", () => {
  const methods = ledgerMethods();

  it('reads the Ledger: every method maps to DynamoDB actions', () => {
    // Assess: the parser found the methods the handlers use (a parse that finds nothing would pass every task).
    expect(actionsOf('getRelease', methods)).toEqual(new Set(['GetItem']));
    expect(actionsOf('acquireLock', methods)).toEqual(new Set(['GetItem', 'PutItem']));
    expect(actionsOf('record', methods)).toEqual(new Set(['UpdateItem']));
    expect(actionsOf('releaseLock', methods)).toEqual(new Set(['DeleteItem']));
  });

  it.each([...TASK_FUNCTIONS, RECONCILER_FUNCTION].map((spec) => [spec.task, spec] as const))('%s', (_task, spec) => {
    // Act
    const used = ledgerActionsOfTask(spec.folder, methods);

    // Assess
    expect([...spec.ledger].sort()).toEqual(used);
  });
});
