import type { Redis } from 'ioredis';
import { isAuthError, isPermissionError } from '../client/redis-errors.js';
import { connectSentinel } from '../client/sentinel-check.js';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { bounded } from './bounded-call.js';
import { errorMessage } from '../client/redis-errors.js';
import type { SentinelView } from './health-facts.types.js';
import { parseMasterAddress, parseMasterState, parseReplicas } from './health-replies.parser.js';

interface Held {
  connection: Redis;
  /** Last `error` event (a refused AUTH surfaces only there). */
  lastError?: unknown;
}

/**
 * One connection per sentinel for the health checks, opened on first use with `connectSentinel()` (no
 * reconnect of its own, bounded connect and commands) and reused by later checks. A connection that
 * fails or times out is dropped, so the next check connects afresh. `close()` (on application
 * shutdown) disconnects them all; after it, each question uses a one-off connection.
 */
export class SentinelProbePool {
  private readonly held = new Map<string, Held>();
  private closed = false;

  constructor(private readonly options: ResolvedOptions) {}

  /**
   * Asks one sentinel, in one round trip, for the master's address, the master's state and its
   * replicas. Resolves within `ms` whatever happens; never rejects.
   */
  async ask(sentinel: SentinelAddress, ms: number): Promise<SentinelView> {
    const label = `${sentinel.host}:${sentinel.port}`;
    const held = this.connectionTo(sentinel, label, ms);
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
      if (!keep || this.closed) this.drop(label, held);
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

  private connectionTo(sentinel: SentinelAddress, label: string, ms: number): Held {
    const existing = this.held.get(label);
    if (existing && existing.connection.status !== 'end' && existing.connection.status !== 'close') return existing;
    if (existing) this.drop(label, existing);
    const connection = connectSentinel(this.options, sentinel, ms);
    const held: Held = { connection };
    connection.on('error', (error: unknown) => (held.lastError = error));
    // Commands queue until the connection is up (or fail with it): no separate wait for `connect`.
    connection.connect().catch(() => undefined);
    if (!this.closed) this.held.set(label, held);
    return held;
  }

  private drop(label: string, held: Held): void {
    if (this.held.get(label) === held) this.held.delete(label);
    held.connection.disconnect();
  }

  /** Disconnects every held connection; idempotent. */
  close(): void {
    this.closed = true;
    for (const [label, held] of this.held) this.drop(label, held);
  }
}
