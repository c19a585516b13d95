import { isAuthError, isPermissionError } from '../client/redis-errors.js';
import { SentinelConnections, sentinelLabel } from '../sentinel/sentinel-connection.js';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { bounded } from './bounded-call.js';
import { errorMessage } from '../client/redis-errors.js';
import type { SentinelView } from './health-facts.types.js';
import { parseMasterAddress, parseMasterState, parseReplicas } from './health-replies.parser.js';

/**
 * One connection per sentinel for the health checks, opened on first use with `connectSentinel()` (no
 * reconnect of its own, bounded connect and commands) and reused by later checks. A connection that
 * fails or times out is dropped, so the next check connects afresh. `close()` (on application
 * shutdown) disconnects them all; after it, each question uses a one-off connection.
 */
export class SentinelProbePool {
  private readonly connections: SentinelConnections;

  constructor(private readonly options: ResolvedOptions) {
    this.connections = new SentinelConnections(options, options.sentinelCommandTimeout, 'health');
  }

  /**
   * Asks one sentinel, in one round trip, for the master's address, the master's state and its
   * replicas. Resolves within `ms` whatever happens; never rejects.
   */
  async ask(sentinel: SentinelAddress, ms: number): Promise<SentinelView> {
    const label = sentinelLabel(sentinel);
    const held = this.connections.get(sentinel);
    let keep = false;
    try {
      const pipeline = held.connection
        .pipeline()
        .call('SENTINEL', 'get-master-addr-by-name', this.options.name)
        .call('SENTINEL', 'master', this.options.name)
        .call('SENTINEL', 'replicas', this.options.name);
      const answer = await bounded(pipeline.exec(), ms);
      if (answer.kind === 'timeout') return { sentinel: label, kind: 'timeout', message: `no answer within ${ms} ms` };
      const results = answer.kind === 'ok' ? answer.value : null;
      const [addressError, addressReply] = results?.[0] ?? [answer.kind === 'error' ? answer.error : new Error('no reply'), null];
      if (addressError) {
        if (isPermissionError(addressError)) {
          keep = true;
          return { sentinel: label, kind: 'denied', message: `may not run SENTINEL GET-MASTER-ADDR-BY-NAME (${errorMessage(addressError)})` };
        }
        const cause = isAuthError(held.lastError) ? held.lastError : (held.lastError ?? addressError);
        if (isAuthError(cause)) return { sentinel: label, kind: 'auth', message: `refused the sentinel credentials (${errorMessage(cause)})` };
        return { sentinel: label, kind: 'unreachable', message: `unreachable (${errorMessage(cause)})` };
      }
      keep = true;
      return this.view(label, results!);
    } finally {
      if (!keep || this.connections.isClosed) this.connections.drop(held);
    }
  }

  private view(label: string, results: Array<[Error | null, unknown]>): SentinelView {
    const view: SentinelView = { sentinel: label, kind: 'ok', master: parseMasterAddress(results[0]?.[1]), denied: [] };
    const [masterError, masterReply] = results[1] ?? [null, null];
    if (masterError) {
      if (isPermissionError(masterError)) view.denied.push('SENTINEL MASTER');
    } else {
      const state = parseMasterState(masterReply);
      if (state) view.masterState = state;
    }
    const [replicasError, replicasReply] = results[2] ?? [null, null];
    if (replicasError) {
      if (isPermissionError(replicasError)) view.denied.push('SENTINEL REPLICAS');
    } else if (view.master !== null) {
      view.replicas = parseReplicas(replicasReply);
    }
    return view;
  }

  /** Disconnects every held connection; idempotent. */
  close(): void {
    this.connections.close();
  }
}
