import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { isPermissionError } from '../client/redis-errors.js';
import { bounded } from './bounded-call.js';
import { errorMessage } from '../client/redis-errors.js';
import type { NodeFacts } from './health-facts.types.js';
import { parseInfoReplication, parseRoleReply } from './health-replies.parser.js';
import { socketPeer } from './node-address.matcher.js';

/** After a NOPERM, the command is not tried again for this long (each refusal adds to the server's ACL LOG). */
const DENIED_RETRY_MS = 5 * 60_000;

type RoleCommand = 'INFO' | 'ROLE';
type RoleAnswer = Extract<NodeFacts['role'], { kind: 'ok' }> | { kind: 'denied' };

/**
 * Asks the node the app's client is connected to, through that client: PING (latency) and, where the
 * ACL allows, its role (INFO replication, else ROLE). Both bounded by the check's timeout.
 */
export class NodeProbe {
  private readonly deniedAt = new Map<RoleCommand, number>();

  constructor(private readonly client: Redis) {}

  async probe(ms: number): Promise<NodeFacts> {
    const status = this.client.status;
    if (status !== 'ready') {
      return { status, connectedTo: null, ping: { kind: 'skipped' }, role: { kind: 'skipped' } };
    }
    const connectedTo = socketPeer(this.client.stream as { remoteAddress?: string; remotePort?: number } | undefined);
    const started = performance.now();
    const [ping, role] = await Promise.all([
      bounded(this.client.ping().then(() => performance.now() - started), ms),
      bounded(this.role(), ms),
    ]);
    return {
      status,
      connectedTo,
      ping:
        ping.kind === 'ok'
          ? { kind: 'ok', latencyMs: ping.value }
          : ping.kind === 'timeout' || /timed out/i.test(errorMessage(ping.error))
            ? { kind: 'timeout' }
            : { kind: 'error', message: errorMessage(ping.error) },
      role:
        role.kind === 'ok'
          ? role.value
          : role.kind === 'timeout' || /timed out/i.test(errorMessage(role.error))
            ? { kind: 'timeout' }
            : { kind: 'error', message: errorMessage(role.error) },
    };
  }

  private async role(): Promise<RoleAnswer> {
    if (this.allowed('INFO')) {
      try {
        const info = parseInfoReplication(await this.client.info('replication'));
        if (info) return { kind: 'ok', via: 'INFO', ...info };
      } catch (error) {
        if (!isPermissionError(error)) throw error;
        this.deniedAt.set('INFO', Date.now());
      }
    }
    if (this.allowed('ROLE')) {
      try {
        const role = parseRoleReply(await this.client.call('ROLE'));
        if (role) return { kind: 'ok', via: 'ROLE', role };
      } catch (error) {
        if (!isPermissionError(error)) throw error;
        this.deniedAt.set('ROLE', Date.now());
      }
    }
    return { kind: 'denied' };
  }

  private allowed(command: RoleCommand): boolean {
    const at = this.deniedAt.get(command);
    return at === undefined || Date.now() - at > DENIED_RETRY_MS;
  }
}
