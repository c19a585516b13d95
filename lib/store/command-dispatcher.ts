import { errorMessage } from '../client/redis-errors.js';

/** When a cache operation may be sent, and what to tell about its fate. */
export interface DispatchGate {
  /** Reads may go: the client is ready on the master the sentinels name. */
  readable(): boolean;
  /** Writes may go: readable and the failover fence is down. */
  writable(): boolean;
  /** Since when no operation could be sent (not usable), or undefined while usable. */
  unusableSince(): number | undefined;
  /** A write had to wait for the fence (counted in the failover record). */
  noteHeld(): void;
  /** A command met READONLY: the node is a replica now. */
  onReadonly(): void;
  /** Sent at `at`; answered (value or error reply) for the command sent at `sentAt`; connection gone. */
  sent(at: number): void;
  answered(sentAt: number): void;
  /** Hung-master check; returns when it wants to be called again (undefined: nothing to watch). */
  check(now: number): number | undefined;
}

export type OperationKind = 'read' | 'write';

/**
 * Why an operation failed without a reply from Redis. `sent` tells whether it reached a socket: a
 * write that was sent may have been applied (its outcome is unknown); one never sent was dropped.
 */
export class DispatchError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'not-connected',
    readonly sent: boolean,
  ) {
    super(message);
    this.name = 'DispatchError';
  }
}

interface Operation {
  seq: number;
  kind: OperationKind;
  /** Keys it touches; null: every key (a barrier, e.g. clear()). */
  keys: readonly string[] | null;
  send: () => Promise<unknown>;
  deadline: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  state: 'queued' | 'sent' | 'done';
  /** Bumped on every send, so a reply to an earlier send (before a reconnect) is ignored. */
  attempt: number;
  sentOnce: boolean;
}

function isConnectionError(error: unknown): boolean {
  return /Connection is closed|Stream isn't writeable|ECONNRESET|EPIPE|Command aborted/i.test(errorMessage(error));
}

/**
 * Sends the store's Redis commands in the order they were called, per key, and bounds each call:
 * - an operation goes out at once (synchronously, so `set(k); get(k)` reach Redis as SET, GET) when
 *   the client is usable, the fence is down for a write, and no earlier operation on one of its keys
 *   is still waiting; otherwise it waits in this queue, never in ioredis's offline queue;
 * - every call settles within `timeout` ms (time spent waiting included), by one timer for all;
 * - a reply lost with its connection (or `READONLY`) sends the operation again on the next connection
 *   within its deadline; past it, the caller is told it failed and whether it was ever sent;
 * - once no operation could be sent for longer than `timeout`, calls fail at once instead of waiting.
 * Every submit first calls {@link beforeSubmit} (the store's GetBatch sends the gets it holds), so a
 * batch of gets still reaches Redis before a later write.
 */
export class CommandDispatcher {
  private readonly queue: Operation[] = [];
  /**
   * Every unsettled operation from `head` on, in submission order = deadline order. Settled ones are
   * dropped from the head as it settles (replies come in order), so they are not kept until a sweep.
   */
  private pending: Array<Operation | undefined> = [];
  private head = 0;
  private readonly sent = new Set<Operation>();
  private readonly queuedKeys = new Map<string, number>();
  private queuedBarriers = 0;
  private nextSeq = 1;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly gate: DispatchGate,
    private readonly timeout: number,
    /** Around every send: one socket write per tick (TickCorker), no ioredis timer (CommandTimerBypass). */
    private readonly around?: { before(): void; after(): void },
  ) {}

  /** Called first on every submit (GetBatch: the gets batched so far go first, keeping call order). */
  beforeSubmit: (() => void) | undefined;

  /** Operations waiting to be sent (fence, reconnect). */
  get waiting(): number {
    return this.queue.length;
  }

  /** A sequence number to submit with later, so that operation keeps this place in the order. */
  reserve(): number {
    return this.nextSeq++;
  }

  /**
   * Runs `send` (which must issue its Redis command(s) synchronously) in order. `seq` places it
   * earlier than operations already waiting (e.g. an invalidation of what a failed write left behind).
   * `startedAt`: when the caller called (its deadline counts from then).
   */
  submit<T>(kind: OperationKind, keys: readonly string[] | null, send: () => Promise<T>, seq?: number, startedAt?: number): Promise<T> {
    this.beforeSubmit?.();
    seq ??= this.nextSeq++;
    const now = Date.now();
    const unusableSince = this.gate.unusableSince();
    if (unusableSince !== undefined && now - unusableSince > this.timeout) {
      return Promise.reject(new DispatchError(`no usable connection to the master for over ${this.timeout} ms`, 'not-connected', false));
    }
    return new Promise<T>((resolve, reject) => {
      const operation: Operation = {
        seq, kind, keys, send, deadline: (startedAt ?? now) + this.timeout,
        resolve: resolve as (value: unknown) => void, reject, state: 'queued', attempt: 0, sentOnce: false,
      };
      this.pending.push(operation);
      if (this.allowed(operation) && !this.blocked(operation)) {
        this.send(operation);
      } else {
        if (kind === 'write' && this.gate.readable()) this.gate.noteHeld();
        this.enqueue(operation);
      }
      this.arm(operation.deadline);
    });
  }

  /** Sends what may go now (after the client became usable or the fence fell), in order. */
  drain(): void {
    if (this.queue.length === 0) return;
    const waiting = this.queue.splice(0);
    this.queuedKeys.clear();
    this.queuedBarriers = 0;
    for (const operation of waiting) {
      if (operation.state !== 'queued') continue;
      if (this.allowed(operation) && !this.blocked(operation)) this.send(operation);
      else this.enqueue(operation);
    }
  }

  /** The connection closed: what was sent on it waits again (its reply will never come). */
  connectionLost(): void {
    const lost = [...this.sent].sort((a, b) => a.seq - b.seq);
    this.sent.clear();
    for (const operation of lost) {
      operation.state = 'queued';
      this.enqueue(operation);
    }
  }

  private allowed(operation: Operation): boolean {
    return operation.kind === 'read' ? this.gate.readable() : this.gate.writable();
  }

  /** An earlier operation on one of its keys (or a barrier) still waits. */
  private blocked(operation: Operation): boolean {
    if (this.queue.length === 0 || this.queue[0]!.seq > operation.seq) return false;
    if (this.queuedBarriers === 0 && operation.keys !== null && !operation.keys.some((key) => this.queuedKeys.has(key))) return false;
    return this.queue.some((queued) => queued.seq < operation.seq && overlaps(queued, operation));
  }

  private enqueue(operation: Operation): void {
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1]!.seq > operation.seq) at -= 1;
    this.queue.splice(at, 0, operation);
    if (operation.keys === null) this.queuedBarriers += 1;
    else for (const key of operation.keys) this.queuedKeys.set(key, (this.queuedKeys.get(key) ?? 0) + 1);
  }

  private send(operation: Operation): void {
    operation.state = 'sent';
    operation.attempt += 1;
    operation.sentOnce = true;
    const attempt = operation.attempt;
    const sentAt = Date.now();
    this.sent.add(operation);
    this.gate.sent(sentAt);
    let reply: Promise<unknown>;
    const around = this.around;
    try {
      around?.before();
      reply = operation.send();
    } catch (error) {
      reply = Promise.reject(error);
    } finally {
      around?.after();
    }
    reply.then(
      (value) => {
        this.gate.answered(sentAt);
        if (operation.attempt !== attempt || operation.state !== 'sent') return;
        this.settle(operation);
        operation.resolve(value);
      },
      (error: unknown) => {
        const message = errorMessage(error);
        const connectionGone = isConnectionError(error);
        if (!connectionGone && !/Command timed out/.test(message)) this.gate.answered(sentAt);
        if (operation.attempt !== attempt || operation.state !== 'sent') return;
        if (/^READONLY/.test(message) || connectionGone) {
          // Not applied (READONLY) or lost with its connection: send it again within its deadline.
          if (/^READONLY/.test(message)) this.gate.onReadonly();
          this.sent.delete(operation);
          operation.state = 'queued';
          this.enqueue(operation);
          this.drain();
          return;
        }
        this.settle(operation);
        operation.reject(error);
      },
    );
  }

  private settle(operation: Operation): void {
    operation.state = 'done';
    this.sent.delete(operation);
    if (this.pending[this.head] === operation) this.trim();
  }

  /** Drops the settled operations at the head (amortized O(1) per operation). */
  private trim(): void {
    const pending = this.pending;
    let head = this.head;
    while (head < pending.length && pending[head]!.state === 'done') pending[head++] = undefined;
    if (head === pending.length) {
      pending.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > pending.length) {
      this.pending = pending.slice(head);
      head = 0;
    }
    this.head = head;
  }

  private arm(at: number): void {
    if (at === Infinity || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  /** Fails every operation past its deadline; checks for a hung master; re-arms for the next deadline. */
  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let expired = false;
    this.trim();
    while (this.head < this.pending.length) {
      const head = this.pending[this.head]!;
      if (head.deadline > now) break;
      const wasQueued = head.state === 'queued';
      expired ||= wasQueued;
      this.settle(head);
      head.reject(this.expiredError(head, wasQueued));
    }
    if (expired) {
      // Expired operations no longer hold later ones back.
      const rest = this.queue.filter((operation) => operation.state === 'queued');
      this.queue.length = 0;
      this.queuedKeys.clear();
      this.queuedBarriers = 0;
      for (const operation of rest) this.enqueue(operation);
      this.drain();
    }
    const recheck = this.gate.check(now);
    this.trim();
    const next = this.pending[this.head];
    this.arm(Math.min(next?.deadline ?? Infinity, recheck ?? Infinity));
  }

  private expiredError(operation: Operation, queued: boolean): DispatchError {
    if (!queued) return new DispatchError(`Command timed out after ${this.timeout} ms (commandTimeout)`, 'timeout', true);
    const why = this.gate.readable() ? 'held by the failover fence' : 'no usable connection to the master';
    return new DispatchError(`not sent within ${this.timeout} ms (commandTimeout): ${why}`, this.gate.readable() ? 'timeout' : 'not-connected', operation.sentOnce);
  }

  /** Fails everything still waiting (shutdown). */
  close(): void {
    clearTimeout(this.timer);
    const pending = this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    for (const operation of pending) {
      if (!operation || operation.state === 'done') continue;
      this.settle(operation);
      operation.reject(new DispatchError('the cache is closing', 'not-connected', operation.sentOnce));
    }
    this.queue.length = 0;
    this.queuedKeys.clear();
    this.queuedBarriers = 0;
  }
}

function overlaps(a: Operation, b: Operation): boolean {
  if (a.keys === null || b.keys === null) return true;
  return a.keys.some((key) => b.keys!.includes(key));
}
