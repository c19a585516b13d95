import type { Redis } from 'ioredis';
import type { CommandDispatcher } from './command-dispatcher.js';

interface Waiter<T> {
  key: string;
  /** When the get was called (CacheEvents.clock, for metrics). */
  started: number;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * The `get`s of one event-loop turn as one `MGET` (one command for Redis to run and ioredis to parse
 * instead of one per key). A batch goes to the {@link CommandDispatcher} at the end of the event-loop
 * turn (`setImmediate`: the gets of every callback of one I/O poll, e.g. many HTTP requests), or
 * earlier as soon as any other operation is submitted (the dispatcher calls {@link flush} first), so
 * operations still reach Redis in the order they were called: `get(a); set(a)` is `MGET …a…`, `SET a`.
 * Its deadline counts from its first `get`. While anything waits in the dispatcher (fence, reconnect),
 * or for a single key, each `get` goes on its own as a `GET`, so one held key never holds the others.
 */
export class GetBatch<T> {
  private waiters: Array<Waiter<T>> = [];
  private since = 0;

  constructor(
    private readonly dispatcher: CommandDispatcher,
    private readonly client: Pick<Redis, 'getBuffer' | 'mgetBuffer'>,
    /** What a get resolves to, from the raw reply. */
    private readonly onValue: (raw: Buffer | null, started: number) => T,
    /** What a failed get resolves to (fail-open), or throws (the error policy). */
    private readonly onError: (cause: unknown, started: number) => T,
    /** The end-of-turn flush writes one command: no cork of its own (TickCorker.uncorked). */
    private readonly writer?: { uncorked(send: () => void): void },
  ) {}

  get(key: string, started = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.waiters.length === 0) {
        this.since = Date.now();
        setImmediate(this.flushAtEndOfTurn);
      }
      this.waiters.push({ key, started, resolve, reject });
    });
  }

  private readonly flushAtEndOfTurn = (): void => {
    if (this.writer) this.writer.uncorked(this.flush);
    else this.flush();
  };

  /** Submits what was batched (end of the turn, or before any other operation). */
  readonly flush = (): void => {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    if (waiters.length === 1 || this.dispatcher.waiting > 0) {
      for (const waiter of waiters) {
        const { key } = waiter;
        this.dispatcher.submit('read', [key], () => this.client.getBuffer(key), undefined, this.since).then(
          (raw) => waiter.resolve(this.onValue(raw, waiter.started)),
          (cause: unknown) => this.fail(waiter, cause),
        );
      }
      return;
    }
    const keys = waiters.map((waiter) => waiter.key);
    this.dispatcher.submit('read', keys, () => this.client.mgetBuffer(keys), undefined, this.since).then(
      (values) => {
        for (let i = 0; i < waiters.length; i += 1) {
          const waiter = waiters[i]!;
          waiter.resolve(this.onValue(values[i] ?? null, waiter.started));
        }
      },
      (cause: unknown) => {
        for (const waiter of waiters) this.fail(waiter, cause);
      },
    );
  };

  private fail(waiter: Waiter<T>, cause: unknown): void {
    try {
      waiter.resolve(this.onError(cause, waiter.started));
    } catch (error) {
      waiter.reject(error);
    }
  }
}
