import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { backoff } from '../client/backoff.js';
import { errorMessage, isPermissionError } from '../client/redis-errors.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import type { MasterView, PollRound, SentinelMasterPoller } from '../sentinel/sentinel-master.poller.js';
import type { SentinelEvent } from '../sentinel/sentinel-events.js';
import { HungMasterDetector } from './hung-master.detector.js';
import type { MasterConnectorHandle, MasterTarget } from './master-connector.js';
import { formatAddress, type NodeAddress, sameAddress } from '../client/node-address.js';
import type { FailoverRecord } from '../interfaces/failover-record.interface.js';
import type { FenceRecord, FenceTimeoutRecord } from '../events/cache-events.js';
import { WriteFence } from './write-fence.js';

export type { FailoverRecord };

/** Poll period while a failover may be in progress: the client leaves the old master within about this long of the switch. */
export const FAILOVER_POLL_MS = 20;
/** After the master connection is lost, poll fast this long (a crash becomes a switch within seconds). */
const LOST_POLL_WINDOW_MS = 15_000;
/** With the +switch-master subscription held on every sentinel, the steady poll is only a safety net. */
const SUBSCRIBED_POLL_FACTOR = 10;

/** Fence reasons (each sentinel's promotion event raises its own, `sentinel <host:port>`). */
const REPLICA_LOST = 'replica connection lost';
const SENTINELS_REPORT = 'sentinels report a failover';

export interface MasterTrackerEvents {
  /**
   * The client is ready on the master the sentinels name (role checked): reads and, fence down,
   * writes may go. With the number of switches followed so far (a new number: another master, or the
   * same one named again after a failover in between).
   */
  usable: [NodeAddress, number];
  /** It no longer is (connection lost, or the sentinels named another master). */
  unusable: [];
  /** The write fence rose (true) or fell (false, with how long it stood and the writes it held). */
  fence: [raised: boolean, record?: FenceRecord];
  /** A failover followed (the connection passes it on to the cache's events: log, listeners, metrics). */
  failover: [FailoverRecord];
  /** The replicas of the named master, as the sentinels list them (for the replica watch). */
  replicas: [NodeAddress[]];
  fenceTimeout: [FenceTimeoutRecord];
}

type Logger = NonNullable<ResolvedOptions['logger']>;

/** The newest view: highest config epoch; at one epoch, a sentinel done with the switch before the leader still in it. */
function newest(views: MasterView[]): MasterView | undefined {
  return views.reduce<MasterView | undefined>((best, view) => {
    if (!best) return view;
    if (view.epoch !== best.epoch) return view.epoch > best.epoch ? view : best;
    return best.failingOver && !view.failingOver ? view : best;
  }, undefined);
}

/**
 * The one owner of "which master am I writing to". It names the master (the sentinels' newest
 * config epoch, their `+switch-master` events), gives that address to the client's connector, and
 * decides when the client may be used:
 * - **usable**: ready on the named master and the node confirmed it is a master (`WAIT 0 0` answers on
 *   a master, fails on a replica; it needs no INFO right). A `ready` anywhere else is left at once.
 * - **write fence**: raised at the first sign of a failover (a sentinel's promotion event, a lost replica
 *   watch, a sentinel reporting a failover in progress), each by its own name; lowered when the client
 *   is usable on the new master, when the raiser withdraws (an abort from *that* sentinel), when the
 *   sentinels see no failover after a lost watch, or after `failoverFenceTimeout`.
 * - **polling**: slow while all is quiet, every {@link FAILOVER_POLL_MS} while a failover may be in progress.
 */
export class MasterTracker extends EventEmitter<MasterTrackerEvents> implements MasterTarget {
  readonly fence: WriteFence;
  private named: { address: NodeAddress; epoch: number } | undefined;
  private connected: NodeAddress | undefined;
  private usableNow = false;
  /** Since when the client has not been usable (start-up counts). */
  private unusableAt: number | undefined = Date.now();
  private lostAt: number | undefined;
  private readonly hung: HungMasterDetector;
  private switching: { since: number; from?: NodeAddress; to: NodeAddress; via: FailoverRecord['detectedBy'] } | undefined;
  private maxEpoch = 0;
  /** Switches of the named master so far. */
  private switches = 0;
  private client: Redis | undefined;
  private connector: MasterConnectorHandle | undefined;
  private readyEpoch = 0;
  private waitDenied = false;
  private subscribedEverywhere: () => boolean = () => false;
  private readonly reconnectDelay: (attempt: number) => number;
  private readonly sentinelDelay = backoff(100, 1_000);
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly logger: Logger,
    private readonly poller: SentinelMasterPoller,
  ) {
    super();
    this.reconnectDelay = backoff(25, options.maxReconnectDelay);
    this.hung = new HungMasterDetector(2 * options.commandTimeout, (silentMs) =>
      this.reconnect(`No reply from the master of "${options.name}" for ${silentMs} ms`),
    );
    this.fence = new WriteFence(
      options.failoverFenceTimeout,
      (heldMs) => this.onFenceTimeout(heldMs),
      (raised, record) => {
        this.emit('fence', raised, record);
        this.adjustPolling();
      },
    );
    poller.on('round', (round) => this.onRound(round));
  }

  adopt(connector: MasterConnectorHandle): void {
    this.connector = connector;
  }

  /** Wires the ioredis client; `subscribed` tells whether pushed events cover every sentinel. */
  attach(client: Redis, subscribed?: () => boolean): void {
    this.client = client;
    if (subscribed) this.subscribedEverywhere = subscribed;
    client.on('ready', () => this.onReady());
    client.on('close', () => this.onLost());
    this.adjustPolling();
  }

  // ---- the store's gate (the store's DispatchGate, see CommandDispatcher) ------------------------

  readable(): boolean {
    return this.usableNow;
  }

  writable(): boolean {
    return this.usableNow && !this.fence.raised;
  }

  unusableSince(): number | undefined {
    return this.unusableAt;
  }

  noteHeld(): void {
    this.fence.noteHeld();
  }

  sent(at: number): void {
    this.hung.sent(at);
  }

  answered(sentAt: number): void {
    this.hung.answered(sentAt);
  }

  check(now: number): number | undefined {
    return this.usableNow ? this.hung.check(now) : undefined;
  }

  /** The master the client is usable on (as announced) and the switches followed so far, or undefined. */
  usableOn(): { master: NodeAddress; switches: number } | undefined {
    return this.usableNow && this.connected ? { master: this.connected, switches: this.switches } : undefined;
  }

  /** The master the sentinels name, as they announce it. */
  get master(): NodeAddress | undefined {
    return this.named?.address;
  }

  /** True from the first sign of a failover until the client is usable on the new master. */
  get failoverInProgress(): boolean {
    return this.fence.raised || this.switching !== undefined;
  }

  // ---- where to connect -------------------------------------------------------------------------

  async targetForConnect(connecting: () => boolean, emit: (type: string, error: Error) => void): Promise<NodeAddress> {
    for (let round = 1; ; round += 1) {
      // A switch was announced: go there at once, whichever sentinel announced it.
      if (this.switching && this.named) return this.named.address;
      const answer = await this.poller.poll({ majority: true });
      if (!connecting()) throw new Error('Connection is closed.');
      // With no sentinel answering, the last master they named is still the best guess (sentinels down, master up).
      if (this.named) return this.named.address;
      emit('error', new Error(`No sentinel named the master (${answer.denied.length} refused SENTINEL MASTER); asking again.`));
      await new Promise((resolve) => setTimeout(resolve, this.sentinelDelay(round)).unref());
      if (!connecting()) throw new Error('Connection is closed.');
    }
  }

  /** ioredis `retryStrategy`: no delay for the reconnect that follows a switch, a low-capped backoff otherwise. */
  readonly retryStrategy = (attempt: number): number => (this.switching && attempt <= 1 ? 0 : this.reconnectDelay(attempt));

  // ---- what the sentinels say -------------------------------------------------------------------

  /** A failover event pushed by `sentinel` (`host:port`). */
  onSentinelEvent(event: SentinelEvent, sentinel: string): void {
    if (event.name !== this.options.name || this.closed) return;
    if (event.kind === 'promoting') {
      if (!this.fence.raised) {
        this.logger.log(`Failover of "${event.name}" started (${sentinel}): holding cache writes until the new master is confirmed.`);
      }
      this.fence.raise(`sentinel ${sentinel}`);
    } else if (event.kind === 'abort') {
      if (!this.fence.raisedBy.includes(`sentinel ${sentinel}`)) return;
      this.fence.lower(`sentinel ${sentinel}`);
      if (!this.fence.raised) this.logger.warn(`Failover of "${event.name}" aborted (${event.reason}, ${sentinel}); writes resume on the current master.`);
    } else {
      this.switchTo(event.to, this.maxEpoch, 'sentinel-event');
    }
  }

  private onRound(round: PollRound): void {
    if (this.closed || round.views.length === 0) return;
    for (const view of round.views) this.maxEpoch = Math.max(this.maxEpoch, view.epoch);
    const best = newest(round.views)!;
    if (!this.named) {
      this.named = { address: best.address, epoch: best.epoch };
    } else if (!best.failingOver && best.epoch >= this.named.epoch && !sameAddress(best.address, this.named.address)) {
      this.switchTo(best.address, best.epoch, 'poll');
    } else if (sameAddress(best.address, this.named.address)) {
      this.named.epoch = Math.max(this.named.epoch, best.epoch);
    }
    const named = this.named.address;
    // A failover of the master we use; the leader of a failover we already followed still names the old one.
    const failing = round.views.some((view) => view.failingOver && sameAddress(view.address, named));
    if (failing && this.options.failoverDetector) {
      this.fence.raise(SENTINELS_REPORT);
    } else if (!this.switching && round.views.length * 2 > round.asked) {
      // A majority sees no failover of our master: a lost watch was a blip. (During a switch the
      // fence falls when the client is usable on the new master.)
      this.fence.lower(SENTINELS_REPORT);
      this.fence.lower(REPLICA_LOST);
    }
    // Right after a switch a sentinel may list no replica yet: keep watching the ones we have.
    if (best.replicas?.length && sameAddress(best.address, named)) this.emit('replicas', best.replicas);
    this.adjustPolling();
  }

  /** Asks the sentinels now, replicas included (the replica watch starts from this). */
  refreshReplicas(): Promise<PollRound> {
    return this.poller.poll({ replicas: true });
  }

  /** The replica watch lost a connection: a replica may be being promoted. Hold writes and ask now. */
  onReplicaLost(replica: NodeAddress): void {
    if (this.closed) return;
    if (!this.fence.raised) {
      this.logger.log(
        `Connection to replica ${formatAddress(replica)} of "${this.options.name}" closed: holding cache writes while the sentinels are asked whether a failover started.`,
      );
    }
    this.fence.raise(REPLICA_LOST);
    void this.poller.poll();
  }

  private switchTo(address: NodeAddress, epoch: number, via: FailoverRecord['detectedBy']): void {
    const from = this.named?.address;
    if (from && sameAddress(from, address)) return; // every sentinel announces the same switch
    this.named = { address, epoch: Math.max(epoch, this.named?.epoch ?? 0) };
    this.switches += 1;
    this.switching = { since: Date.now(), from, to: address, via };
    this.markUnusable();
    this.adjustPolling();
    void this.poller.poll({ replicas: true });
    this.reconnectNow();
  }

  // ---- the client's connection ------------------------------------------------------------------

  private onReady(): void {
    const client = this.client;
    const target = this.connector?.target;
    if (!client || !target || this.closed) return;
    this.named ??= { address: target, epoch: 0 };
    if (!sameAddress(target, this.named.address)) {
      this.logger.warn(
        `Connected to ${formatAddress(target)}, but the sentinels now name ${formatAddress(this.named.address)} as the master of "${this.options.name}": reconnecting there.`,
      );
      client.disconnect(true);
      return;
    }
    const epoch = ++this.readyEpoch;
    const current = () => epoch === this.readyEpoch && client.status === 'ready' && sameAddress(this.connector?.target, target);
    if (this.waitDenied) {
      this.markUsable(target);
      return;
    }
    // WAIT 0 0 answers at once on a master and fails on a replica; no INFO or ROLE right needed.
    client.call('WAIT', 0, 0).then(
      () => current() && this.markUsable(target),
      (error: unknown) => {
        if (!current()) return;
        if (isPermissionError(error)) {
          this.waitDenied = true;
          this.markUsable(target);
        } else if (/replica/i.test(errorMessage(error))) {
          this.logger.warn(`${formatAddress(target)}, named master of "${this.options.name}", is a replica: asking the sentinels again.`);
          void this.poller.poll();
          client.disconnect(true);
        } else {
          client.disconnect(true);
        }
      },
    );
  }

  private markUsable(target: NodeAddress): void {
    this.connected = target;
    this.usableNow = true;
    this.unusableAt = undefined;
    this.lostAt = undefined;
    const switching = this.switching;
    this.switching = undefined;
    // First `usable` (the store invalidates what the old master may have lost, ahead of held writes),
    // then the fence falls and the held writes go.
    this.emit('usable', target, this.switches);
    if (switching) {
      const { heldMs, writes } = this.fence.lowerAll();
      this.recordFailover(switching, heldMs, writes);
    }
    this.adjustPolling();
  }

  private recordFailover(switching: NonNullable<MasterTracker['switching']>, heldMs: number, writes: number): void {
    const record: FailoverRecord = {
      name: this.options.name,
      from: switching.from ? formatAddress(switching.from) : 'unknown',
      to: formatAddress(switching.to),
      detectedBy: switching.via,
      reconnectMs: Date.now() - switching.since,
      fencedMs: heldMs,
      heldWrites: writes,
    };
    this.emit('failover', record);
  }

  private onLost(): void {
    this.readyEpoch += 1;
    this.hung.reset();
    this.connected = undefined;
    this.lostAt ??= Date.now();
    this.markUnusable();
    this.adjustPolling();
  }

  private markUnusable(): void {
    if (!this.usableNow) return;
    this.usableNow = false;
    this.unusableAt = Date.now();
    this.emit('unusable');
  }

  /** The connection to the master stopped answering (see HungMasterDetector): ask the sentinels and reconnect. */
  reconnect(reason: string): void {
    if (this.closed || !this.client) return;
    this.logger.warn(`${reason}: reconnecting through the sentinels.`);
    this.dropConnection(this.client);
  }

  /**
   * Drops the socket; ioredis sees it close and reconnects (at once while switching). Not
   * disconnect(): it ends the socket gracefully and waits for the peer's FIN, which a hung master never
   * sends (ioredis destroys the socket only after disconnectTimeout).
   */
  private dropConnection(client: Redis): void {
    const stream = (client as unknown as { stream?: { destroy(): void; destroyed?: boolean } }).stream;
    if (stream && !stream.destroyed) stream.destroy();
    else client.disconnect(true);
  }

  /** A write met READONLY: the node is a replica now. */
  onReadonly(): void {
    if (this.closed) return;
    this.markUnusable();
    void this.poller.poll();
  }

  /**
   * Leaves the current connection (or skips the pending reconnect delay) so the client connects to
   * the named master now. A connection attempt under way is left alone (ioredis ends a client whose
   * attempt is cut); its `ready` is checked against the named master in {@link onReady}.
   */
  private reconnectNow(): void {
    const client = this.client;
    if (!client) return;
    if (client.status === 'ready' || client.status === 'connect') {
      // The old master is not the master any more (and may be hung): no graceful close.
      this.dropConnection(client);
    } else if (client.status === 'reconnecting') {
      // ioredis keeps the backoff timer in a private field (checked at start-up by the connection).
      const internal = client as unknown as { reconnectTimeout?: NodeJS.Timeout | null };
      if (internal.reconnectTimeout) {
        clearTimeout(internal.reconnectTimeout);
        internal.reconnectTimeout = null;
        client.connect().catch(() => undefined);
      }
    }
  }

  private onFenceTimeout(heldMs: number): void {
    const reasons = this.fence.raisedBy;
    this.fence.lowerAll();
    this.emit('fenceTimeout', { heldMs, reasons, resumeOn: this.named ? formatAddress(this.named.address) : 'the current master' });
  }

  private adjustPolling(): void {
    if (this.closed) return;
    const lostRecently = this.lostAt !== undefined && Date.now() - this.lostAt < LOST_POLL_WINDOW_MS;
    if (this.fence.raised || this.switching || lostRecently) {
      this.poller.setInterval(FAILOVER_POLL_MS);
      return;
    }
    const steady = this.options.sentinelPollInterval;
    this.poller.setInterval(this.subscribedEverywhere() ? steady * SUBSCRIBED_POLL_FACTOR : steady);
  }

  close(): void {
    this.closed = true;
    this.fence.lowerAll();
    this.switching = undefined;
    this.poller.close();
  }
}
