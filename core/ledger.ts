import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Green, ReleaseStatus } from './release-state';

/**
 * The ledger: one DynamoDB table, one partition per target.
 *   pk = TARGET#<targetKey>, sk = LOCK                         → who is releasing this target now
 *   pk = TARGET#<targetKey>, sk = RELEASE#<startedAt>#<id>     → one item per release
 * Every write is keyed by the release, so a retried Task rewrites the same item.
 */

export interface LockItem {
  pk: string;
  sk: 'LOCK';
  ownerExecutionArn: string;
  releaseId: string;
  releaseSk: string;
  acquiredAt: string;
  /** The owner this lock was taken over from, when that execution had ended. */
  tookOverFrom?: string;
  /**
   * Set when the owner could not restore blue: the target's split is unknown, so no release may take the
   * lock over until a person has looked (`cutover rollback` puts 100 % on blue and clears it).
   */
  needsAttention?: { since: string; reason: string };
  /**
   * Set by the reconciler before it acts on a stopped or timed-out owner's release: from then on no Task of
   * that execution passes the fence (a redrive while the reconciler works must not move traffic behind it),
   * and only the reconciler (or a person) releases the lock.
   */
  reconciling?: { since: string };
}

export interface StateChange {
  at: string;
  state: string;
  detail?: string;
  [extra: string]: unknown;
}

export interface ManualRollbackRequest {
  at: string;
  by: string;
  reason: string;
}

export interface ReleaseItem {
  pk: string;
  sk: string;
  releaseId: string;
  executionArn: string;
  targetKey: string;
  target: unknown;
  artifactUri?: string;
  description?: string;
  startedBy?: string;
  startedAt: string;
  status: ReleaseStatus;
  blueVersion?: string;
  greenVersion?: string;
  /** Green as PrepareGreen made it (whether this release created it, the artifact it set): what retires it after a person's rollback. */
  green?: Green;
  greenPercent?: number;
  phase?: string;
  retentionEndsAt?: string;
  lastVerdict?: string;
  lastCheckedAt?: string;
  alarms?: string[];
  cleanup?: unknown;
  rollback?: unknown;
  quality?: unknown;
  changes: Record<string, StateChange>;
  manualRollback?: ManualRollbackRequest;
  outcome?: { status: ReleaseStatus; error?: string; cause?: string; warning?: string };
  endedAt?: string;
  /** Who recorded the outcome: an outcome is never overwritten by another writer (see Ledger.record's `endedBy`). */
  endedBy?: EndWriter;
}

/**
 * The three writers of a release's end: its execution (RecordOutcome), the reconciler (a stopped or timed-out
 * execution) and a person (`cutover rollback` of a target left needing attention). Between the execution and
 * the reconciler the first to write keeps it: a redriven execution cannot overwrite what the reconciler
 * recorded. A person's end replaces any (they have just put 100 % on blue, after a RollbackFailed), and
 * neither of the others overwrites it.
 */
export type EndWriter = 'execution' | 'reconciler' | 'person';

/**
 * Who writes a function's $LATEST now. Every target of one Lambda function (its aliases, the API Gateway
 * stages whose variable selects its versions) publishes from the same $LATEST, so PrepareGreen holds this
 * lease from setting the artifact to publishing. It expires on its own (`expiresAt`: the holder's invocation
 * cannot outlive it), so a holder that died never blocks the function for longer than one invocation.
 *   pk = WRITER#<resource>, sk = LEASE
 */
export interface WriterLease {
  pk: string;
  sk: 'LEASE';
  ownerExecutionArn: string;
  /** The holder's invocation (its request id): a retry of the Task while the first invocation still runs is another holder. */
  invocation: string;
  releaseId: string;
  targetKey: string;
  acquiredAt: string;
  expiresAt: string;
}

/** The table's keys, for whatever creates it outside CDK (the sandbox, tests). */
export const LEDGER_TABLE_KEYS = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
};

export const partitionKey = (targetKey: string) => `TARGET#${targetKey}`;
export const writerLeaseKey = (resource: string) => ({ pk: `WRITER#${resource}`, sk: 'LEASE' as const });
export const releaseSortKey = (startedAt: string, releaseId: string) => `RELEASE#${startedAt}#${releaseId}`;

/** DynamoDB has no undefined: drop such keys here rather than rely on how the client was built. */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The owner's condition on the lock: while a reconciler is ending the release, only it (or a person) may release it. */
const ownerCondition = (options: { evenIfReconciling?: boolean }) => `ownerExecutionArn = :me${options.evenIfReconciling ? '' : ' AND attribute_not_exists(reconciling)'}`;

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException';
}

export class Ledger {
  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Take the lock, or take it over from an owner that is no longer running.
   * Returns the lock now held, or the foreign lock when the owner still runs.
   */
  public async acquireLock(
    lock: Omit<LockItem, 'pk' | 'sk'> & { targetKey: string },
    /** Whether the lock's owner still holds it; given the lock as read. */
    isRunning: (executionArn: string, lock: LockItem) => Promise<boolean>,
  ): Promise<{ acquired: true; lock: LockItem; tookOverFrom?: string } | { acquired: false; lock: LockItem }> {
    const { targetKey, ...rest } = lock;
    const item: LockItem = { pk: partitionKey(targetKey), sk: 'LOCK', ...rest };
    if (await this.conditionalPut(item, 'attribute_not_exists(pk)', undefined)) return { acquired: true, lock: item };
    const current = await this.getLock(targetKey);
    if (!current) return this.acquireLock(lock, isRunning); // released in between
    // Already ours: a retried AcquireLock keeps the lock as first taken.
    if (current.ownerExecutionArn === item.ownerExecutionArn) {
      return { acquired: true, lock: current, ...(current.tookOverFrom ? { tookOverFrom: current.tookOverFrom } : {}) };
    }
    // Its owner has ended, but left the target for a person: never taken over.
    if (current.needsAttention) return { acquired: false, lock: current };
    if (await isRunning(current.ownerExecutionArn, current)) return { acquired: false, lock: current };
    const taken: LockItem = { ...item, tookOverFrom: current.ownerExecutionArn };
    const tookOver = await this.conditionalPut(taken, 'ownerExecutionArn = :old', { ':old': current.ownerExecutionArn });
    if (tookOver) return { acquired: true, lock: taken, tookOverFrom: current.ownerExecutionArn };
    const winner = await this.getLock(targetKey);
    return winner ? { acquired: false, lock: winner } : this.acquireLock(lock, isRunning);
  }

  /**
   * Release the lock only if this execution holds it (and, but for the reconciler or a person, while no
   * reconciler is ending its release); returns whether it did.
   */
  public async releaseLock(targetKey: string, ownerExecutionArn: string, options: { evenIfReconciling?: boolean } = {}): Promise<boolean> {
    return this.ifCondition(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: partitionKey(targetKey), sk: 'LOCK' },
        ConditionExpression: ownerCondition(options),
        ExpressionAttributeValues: { ':me': ownerExecutionArn },
      }),
    );
  }

  /** Keep the lock, marked as needing a person (only the owner may, as releaseLock); returns whether it did. */
  public async markNeedsAttention(targetKey: string, ownerExecutionArn: string, needsAttention: NonNullable<LockItem['needsAttention']>, options: { evenIfReconciling?: boolean } = {}): Promise<boolean> {
    return this.ifCondition(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: partitionKey(targetKey), sk: 'LOCK' },
        UpdateExpression: 'SET needsAttention = :n',
        ConditionExpression: ownerCondition(options),
        ExpressionAttributeValues: { ':n': needsAttention, ':me': ownerExecutionArn },
      }),
    );
  }

  /** The reconciler's mark on a lock its stopped owner still holds (LockItem.reconciling); returns whether it was set. */
  public async markReconciling(targetKey: string, ownerExecutionArn: string, since: string): Promise<boolean> {
    return this.ifCondition(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: partitionKey(targetKey), sk: 'LOCK' },
        UpdateExpression: 'SET reconciling = if_not_exists(reconciling, :r)',
        ConditionExpression: 'ownerExecutionArn = :me AND attribute_not_exists(needsAttention)',
        ExpressionAttributeValues: { ':r': { since }, ':me': ownerExecutionArn },
      }),
    );
  }

  public async getLock(targetKey: string): Promise<LockItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: partitionKey(targetKey), sk: 'LOCK' }, ConsistentRead: true }),
    );
    return out.Item as LockItem | undefined;
  }

  /** Create the release item once; a retry finds it and leaves it as it is. */
  public async createRelease(item: Omit<ReleaseItem, 'pk' | 'sk' | 'changes' | 'status'>): Promise<void> {
    const full: ReleaseItem = {
      ...item,
      pk: partitionKey(item.targetKey),
      sk: releaseSortKey(item.startedAt, item.releaseId),
      status: 'Running',
      changes: {},
    };
    await this.conditionalPut(full, 'attribute_not_exists(pk)', undefined);
  }

  /**
   * Record a state change under a stable id (a retry overwrites, never
   * duplicates) and set top-level fields in the same write. Creates the item
   * if it is missing, so that a rejected release still gets a record.
   * With `endedBy` (the outcome's writer) the write happens only if no other
   * writer has recorded an end; returns whether it was written.
   */
  public async record(
    key: { targetKey: string; startedAt: string; releaseId: string },
    change: { id: string } & StateChange,
    fields: Partial<Omit<ReleaseItem, 'pk' | 'sk' | 'changes' | 'endedBy'>> = {},
    options: { endedBy?: EndWriter } = {},
  ): Promise<boolean> {
    const { id, ...body } = withoutUndefined(change);
    fields = withoutUndefined(fields);
    const names: Record<string, string> = { '#changes': 'changes', '#id': id };
    const values: Record<string, unknown> = { ':change': body, ':empty': {} };
    const sets: string[] = [];
    Object.entries(fields).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    if (options.endedBy) {
      names['#endedBy'] = 'endedBy';
      values[':endedBy'] = options.endedBy;
      sets.push('#endedBy = :endedBy');
    }
    const k = { pk: partitionKey(key.targetKey), sk: releaseSortKey(key.startedAt, key.releaseId) };
    // A map attribute must exist before a nested SET: create it first if needed.
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: k,
        UpdateExpression: 'SET #changes = if_not_exists(#changes, :empty)',
        ExpressionAttributeNames: { '#changes': 'changes' },
        ExpressionAttributeValues: { ':empty': {} },
      }),
    );
    return this.ifCondition(
      new UpdateCommand({
        TableName: this.tableName,
        Key: k,
        UpdateExpression: `SET ${['#changes.#id = :change', ...sets].join(', ')}`,
        ...(options.endedBy && options.endedBy !== 'person' ? { ConditionExpression: 'attribute_not_exists(#endedBy) OR #endedBy = :endedBy' } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([n]) => n !== ':empty')),
      }),
    );
  }

  /**
   * Take the writer lease on `resource` for `lease.invocation` until `lease.expiresAt`: granted when nobody
   * holds it, when this invocation already does, or when the holder's lease has expired. Returns the holder
   * when it is someone else (another release, or an earlier invocation of this Task still running).
   */
  public async acquireWriterLease(resource: string, lease: Omit<WriterLease, 'pk' | 'sk'>, now: string, tries = 3): Promise<{ acquired: true } | { acquired: false; holder?: WriterLease }> {
    const item: WriterLease = { ...writerLeaseKey(resource), ...lease };
    const condition = 'attribute_not_exists(pk) OR invocation = :me OR expiresAt < :now';
    if (await this.conditionalPut(item, condition, { ':me': lease.invocation, ':now': now })) return { acquired: true };
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: writerLeaseKey(resource), ConsistentRead: true }));
    const holder = out.Item as WriterLease | undefined;
    // Released in between: try again (a few times: each miss means another writer just took or gave it).
    if (!holder && tries > 1) return this.acquireWriterLease(resource, lease, now, tries - 1);
    return holder ? { acquired: false, holder } : { acquired: false };
  }

  /** Give the lease back, only if this invocation holds it. */
  public async releaseWriterLease(resource: string, invocation: string): Promise<boolean> {
    return this.ifCondition(
      new DeleteCommand({ TableName: this.tableName, Key: writerLeaseKey(resource), ConditionExpression: 'invocation = :me', ExpressionAttributeValues: { ':me': invocation } }),
    );
  }

  public async getRelease(targetKey: string, startedAt: string, releaseId: string): Promise<ReleaseItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: partitionKey(targetKey), sk: releaseSortKey(startedAt, releaseId) },
        ConsistentRead: true,
      }),
    );
    return out.Item as ReleaseItem | undefined;
  }

  /** The release a lock belongs to, read by its key (lock.releaseSk): never by scanning the newest items, which a burst of rejected starts can fill. */
  public async releaseOfLock(targetKey: string, lock: Pick<LockItem, 'releaseSk'>): Promise<ReleaseItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: partitionKey(targetKey), sk: lock.releaseSk }, ConsistentRead: true }));
    return out.Item as ReleaseItem | undefined;
  }

  /** Releases of one target, newest first. */
  public async listReleases(targetKey: string, limit = 20): Promise<ReleaseItem[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partitionKey(targetKey), ':prefix': 'RELEASE#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []) as ReleaseItem[];
  }

  /** Ask the running release to end as RolledBack (the caller has already moved traffic). */
  public async requestManualRollback(
    key: { targetKey: string; startedAt: string; releaseId: string },
    request: ManualRollbackRequest,
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: partitionKey(key.targetKey), sk: releaseSortKey(key.startedAt, key.releaseId) },
        UpdateExpression: 'SET manualRollback = if_not_exists(manualRollback, :r)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':r': request },
      }),
    );
  }

  private async conditionalPut(item: object, condition: string, values: Record<string, unknown> | undefined): Promise<boolean> {
    return this.ifCondition(new PutCommand({ TableName: this.tableName, Item: item as Record<string, unknown>, ConditionExpression: condition, ExpressionAttributeValues: values }));
  }

  /** A conditional write: whether its condition held (a failed condition is an answer, not an error). */
  private async ifCondition(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      await this.doc.send(command as PutCommand);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
