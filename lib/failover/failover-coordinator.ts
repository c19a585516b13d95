import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { NatMap } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { backoff } from '../client/backoff.js';
import { FailoverFence } from './failover-fence.js';
import { type AnnouncedAddress, formatAddress, type SentinelEvent } from './sentinel-events.js';

/** How long a `+switch-master` announcement overrides a sentinel that still names the old master. */
const ANNOUNCEMENT_WINDOW_MS = 10_000;

/** Emitted once per failover the client followed. */
export interface FailoverRecord {
  name: string;
  from: string;
  to: string;
  /** ms from the announcement we acted on to the client being ready on the new master. */
  reconnectMs: number;
  /** ms writes were held, and how many. */
  fencedMs: number;
  heldWrites: number;
}

export interface FailoverCoordinatorEvents {
  failover: [FailoverRecord];
  fenceTimeout: [{ heldMs: number; writes: number }];
}

type Logger = ResolvedOptions['logger'] & object;

/**
 * Turns Sentinel's failover events into client behaviour:
 * - `promoting` (a replica was selected): raise the write fence, so no write lands on a master that is
 *   about to be demoted (its writes would be discarded when it resyncs);
 * - `switch` (+switch-master): reconnect at once, to the announced master even if the sentinel ioredis
 *   asks has not heard of the switch yet (through ioredis's `natMap` hook), then lower the fence;
 * - `abort`: lower the fence.
 */
export class FailoverCoordinator extends EventEmitter<FailoverCoordinatorEvents> {
  readonly fence: FailoverFence;
  private client: Redis | undefined;
  private announcement: { from: AnnouncedAddress; to: AnnouncedAddress; at: number } | undefined;
  private switching: { since: number; from: string; to: string; retried?: boolean } | undefined;
  private readonly reconnectDelay: (attempt: number) => number;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.reconnectDelay = backoff(25, options.maxReconnectDelay);
    this.fence = new FailoverFence(options.failoverFenceTimeout, (heldMs, writes) => {
      this.logger.warn(
        `Failover of "${options.name}": writes were held ${heldMs} ms and are now sent without the new ` +
          `master being confirmed (failoverFenceTimeout); ${writes} write(s) were waiting.`,
      );
      this.emit('fenceTimeout', { heldMs, writes });
    });
  }

  /** True from the promotion of a replica until the client is ready on the new master. */
  get failoverInProgress(): boolean {
    return this.fence.raised || this.switching !== undefined;
  }

  attach(client: Redis): void {
    this.client = client;
    client.on('ready', () => this.onReady());
  }

  /** ioredis `natMap`: redirects the old master to the announced one, then applies the user's map. */
  readonly natMap = (key: string): { host: string; port: number } | null => {
    const announcement = this.announcement;
    let target: AnnouncedAddress | null = null;
    if (announcement && Date.now() - announcement.at < ANNOUNCEMENT_WINDOW_MS && key === formatAddress(announcement.from)) {
      target = announcement.to;
    }
    return applyNatMap(this.options.natMap, target ? formatAddress(target) : key) ?? target;
  };

  /**
   * ioredis `retryStrategy`: the first reconnect after a switch goes at once, every other one follows
   * a low-capped backoff (so an unreachable new master cannot make it spin).
   */
  readonly retryStrategy = (attempt: number): number => {
    if (this.switching && !this.switching.retried) {
      this.switching.retried = true;
      return 0;
    }
    return this.reconnectDelay(attempt);
  };

  handle(event: SentinelEvent): void {
    if (event.kind === 'promoting') {
      if (!this.fence.raised) {
        this.logger.log(`Failover of "${event.name}" started: holding cache writes until the new master is reachable.`);
      }
      this.fence.begin();
    } else if (event.kind === 'abort') {
      this.fence.release();
      this.logger.warn(`Failover of "${event.name}" aborted (${event.reason}); writes resume on the current master.`);
    } else {
      this.onSwitch(event.from, event.to);
    }
  }

  private onSwitch(from: AnnouncedAddress, to: AnnouncedAddress): void {
    const previous = this.announcement;
    const repeated = previous && formatAddress(previous.to) === formatAddress(to) && Date.now() - previous.at < ANNOUNCEMENT_WINDOW_MS;
    if (repeated) return; // every sentinel announces the same switch once it learns of it
    this.announcement = { from, to, at: Date.now() };
    this.switching = { since: Date.now(), from: formatAddress(from), to: formatAddress(to) };
    if (this.connectedTo(to)) this.onReady();
    else this.reconnectNow();
  }

  private onReady(): void {
    const switching = this.switching;
    if (!switching) return;
    this.switching = undefined;
    const { heldMs, writes } = this.fence.release();
    const record: FailoverRecord = {
      name: this.options.name,
      from: switching.from,
      to: switching.to,
      reconnectMs: Date.now() - switching.since,
      fencedMs: heldMs,
      heldWrites: writes,
    };
    this.logger.log(
      `Failover of "${record.name}": now writing to ${record.to} (was ${record.from}); reconnected in ` +
        `${record.reconnectMs} ms, writes held ${record.fencedMs} ms (${record.heldWrites}).`,
    );
    this.emit('failover', record);
    this.options.listeners?.failover?.(record);
  }

  /** True when the client is ready on `address` (after the user's natMap). */
  private connectedTo(address: AnnouncedAddress): boolean {
    const client = this.client;
    if (client?.status !== 'ready') return false;
    const target = applyNatMap(this.options.natMap, formatAddress(address)) ?? address;
    const stream = client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
    return stream?.remotePort === target.port && stream.remoteAddress?.replace(/^::ffff:/, '') === target.host;
  }

  /**
   * Drops the current connection (or skips the pending reconnect delay) so the client asks again now.
   * While it is `connecting` (resolving through the sentinels) it is left alone: disconnecting then
   * makes ioredis reject the attempt and end the client for good; the attempt either resolves to the
   * announced master (natMap) or fails and retries at once (retryStrategy).
   */
  private reconnectNow(): void {
    const client = this.client;
    if (!client) return;
    if (client.status === 'ready' || client.status === 'connect') {
      client.disconnect(true);
    } else if (client.status === 'reconnecting') {
      // ioredis keeps the backoff timer in a private field; skip the wait when it is there.
      const internal = client as unknown as { reconnectTimeout?: NodeJS.Timeout | null };
      if (internal.reconnectTimeout) {
        clearTimeout(internal.reconnectTimeout);
        internal.reconnectTimeout = null;
        client.connect().catch(() => undefined);
      }
    }
  }

  close(): void {
    this.fence.release();
    this.switching = undefined;
  }
}

function applyNatMap(natMap: NatMap | undefined, key: string): { host: string; port: number } | null {
  if (!natMap) return null;
  return typeof natMap === 'function' ? natMap(key) : (natMap[key] ?? null);
}
