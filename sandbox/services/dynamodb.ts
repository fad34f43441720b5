/**
 * DynamoDB: the npm package `dynalite` (in memory), reached through the
 * sandbox's port. Requests are handed to dynalite's own request handler (no
 * second listener, no proxy hop); the sandbox only applies injected faults.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults';
import { faultError, writeAwsJsonError } from '../protocol';

// dynalite ships no type declarations: it returns an http.Server wired to its handler.
type Dynalite = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = require('dynalite') as Dynalite;

export class DynamoDbService {
  private readonly handler: RequestListener;

  public constructor(private readonly faults: FaultInjector) {
    // Tables become ACTIVE at once: rehearsals need no CREATING delay.
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const [listener] = server.listeners('request') as RequestListener[];
    if (!listener) throw new Error('dynalite did not register a request handler');
    this.handler = listener;
  }

  public async handle(req: IncomingMessage, res: ServerResponse, operation: string): Promise<void> {
    const fault = this.faults.take('dynamodb', operation);
    if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
    if (fault.error) {
      req.resume();
      writeAwsJsonError(res, faultError('dynamodb', operation, fault.error), { namespace: 'com.amazonaws.dynamodb.v20120810' });
      return;
    }
    this.handler(req, res);
  }
}
