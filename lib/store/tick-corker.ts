import { Redis } from 'ioredis';

/** The part of a socket (net.Socket, tls.TLSSocket) corking needs. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

function isCorkable(stream: unknown): stream is Corkable {
  return typeof stream === 'object' && stream !== null && typeof (stream as Corkable).cork === 'function' && typeof (stream as Corkable).uncork === 'function';
}

/**
 * The ioredis internal corking relies on: `sendCommand` writes a command to `this.stream` (the
 * socket of the current connection, replaced on every reconnect) synchronously. Checked once, at
 * start-up, in ioredis's own source; `undefined` when it holds, else why not.
 */
export function corkingUnsupported(sendCommand: unknown = Redis.prototype.sendCommand): string | undefined {
  if (typeof sendCommand !== 'function') return 'ioredis has no Redis.prototype.sendCommand';
  if (!/this\.stream\.write\(/.test(Function.prototype.toString.call(sendCommand))) {
    return 'ioredis sendCommand no longer writes to this.stream';
  }
  return undefined;
}

/**
 * One socket write per event-loop turn: the first command of a tick corks the client's socket, a
 * `process.nextTick` uncorks it, so every command written in between leaves in one `writev` (as
 * node-redis does). It relies on an ioredis internal ({@link corkingUnsupported}, checked at
 * start-up; `client.stream` checked on every cork): when it does not hold, commands are written one
 * by one, as ioredis does on its own. Order is kept: a corked socket only delays the bytes, in order.
 */
export class TickCorker {
  /** Why corking is off (undefined: on). */
  readonly disabledBecause: string | undefined;
  private corked: Corkable | undefined;
  private suspended = false;
  /** Runs just before the socket is uncorked, so what it sends joins the same write (GetBatch's flush). */
  beforeUncork: (() => void) | undefined;

  constructor(
    private readonly client: Pick<Redis, 'stream'>,
    check: () => string | undefined = corkingUnsupported,
  ) {
    this.disabledBecause = check();
  }

  get enabled(): boolean {
    return this.disabledBecause === undefined;
  }

  /** Before a command is written: cork the socket until the end of this tick (once per tick). */
  cork(): void {
    if (this.corked !== undefined || this.suspended || this.disabledBecause !== undefined) return;
    const stream: unknown = this.client.stream;
    if (!isCorkable(stream)) return;
    stream.cork();
    this.corked = stream;
    process.nextTick(this.uncork);
  }

  /**
   * Runs `send` without starting a cork (what it writes still joins a cork already under way): for a
   * single command written at the end of a turn, where corking would only add a tick and a copy.
   */
  uncorked(send: () => void): void {
    this.suspended = true;
    try {
      send();
    } finally {
      this.suspended = false;
    }
  }

  /** Also on the socket it corked if the connection was replaced meanwhile (uncorking a closed one is harmless). */
  private readonly uncork = (): void => {
    this.beforeUncork?.();
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };
}
