import { Redis } from 'ioredis';

/**
 * The ioredis internal the bypass relies on: `sendCommand` reads `this.options.commandTimeout` when a
 * command is sent, and arms a timer for that command only then. Checked once, at start-up, in
 * ioredis's own source; `undefined` when it holds, else why not.
 */
export function timerBypassUnsupported(sendCommand: unknown = Redis.prototype.sendCommand): string | undefined {
  if (typeof sendCommand !== 'function') return 'ioredis has no Redis.prototype.sendCommand';
  if (!/typeof this\.options\.commandTimeout === "number"[\s\S]*command\.setTimeout\(this\.options\.commandTimeout\)/.test(Function.prototype.toString.call(sendCommand))) {
    return 'ioredis sendCommand no longer reads options.commandTimeout per command';
  }
  return undefined;
}

/**
 * The store's commands without ioredis's own per-command timer (a `setTimeout` and `clearTimeout` per
 * command): the CommandDispatcher already bounds every store call by `commandTimeout` with one timer
 * for all, and a master that stops answering is reconnected by the hung-master check. The client keeps
 * `commandTimeout` for every other caller (the injected client, health checks): it is lifted only
 * while the dispatcher sends, synchronously. When the ioredis internal moved
 * ({@link timerBypassUnsupported}), nothing is lifted and ioredis's timers stay (slower, as safe).
 */
export class CommandTimerBypass {
  readonly disabledBecause: string | undefined;
  private saved: number | undefined;

  constructor(
    private readonly options: { commandTimeout?: number },
    check: () => string | undefined = timerBypassUnsupported,
  ) {
    this.disabledBecause = check();
  }

  get enabled(): boolean {
    return this.disabledBecause === undefined;
  }

  /** Before the dispatcher sends: no ioredis timer for what is written now. */
  lift(): void {
    if (this.disabledBecause !== undefined) return;
    this.saved = this.options.commandTimeout;
    this.options.commandTimeout = undefined;
  }

  /** After it sent (also when sending threw). */
  restore(): void {
    if (this.disabledBecause !== undefined) return;
    this.options.commandTimeout = this.saved;
  }
}
