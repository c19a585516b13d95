import type { Redis } from 'ioredis';

/** Most keys remembered; past this, the rest are dropped with a warning (they expire by their ttl). */
const MAX_PENDING = 10_000;

/**
 * Invalidations (del, mdel, clear) that failed open while Redis was unreachable. A dropped DEL would
 * leave the old value to be served after Redis comes back, until its ttl; so they are replayed when the
 * client is ready again. ioredis emits `ready` a tick after it has flushed its offline queue, so the
 * replay goes after any write queued meanwhile: the safe order (a stale SET queued earlier is deleted).
 */
export class PendingInvalidations {
  private readonly keys = new Set<string>();
  private clearPattern: string | undefined;
  private overflowed = 0;

  constructor(
    private readonly client: Redis,
    private readonly onReplayed: (keys: number, cleared: boolean, dropped: number) => void,
    private readonly clear: (pattern: string) => Promise<void>,
  ) {
    client.on('ready', () => this.replay());
  }

  get size(): number {
    return this.keys.size + (this.clearPattern ? 1 : 0);
  }

  remember(keys: string[]): void {
    for (const key of keys) {
      if (this.keys.size >= MAX_PENDING) this.overflowed += 1;
      else this.keys.add(key);
    }
  }

  rememberClear(pattern: string): void {
    this.clearPattern = pattern;
    this.keys.clear();
  }

  private replay(): void {
    if (this.size === 0) return;
    const keys = [...this.keys];
    const pattern = this.clearPattern;
    const dropped = this.overflowed;
    this.keys.clear();
    this.clearPattern = undefined;
    this.overflowed = 0;
    for (let start = 0; start < keys.length; start += 500) {
      this.client.unlink(...keys.slice(start, start + 500)).catch(() => this.remember(keys.slice(start, start + 500)));
    }
    if (pattern) this.clear(pattern).catch(() => this.rememberClear(pattern));
    this.onReplayed(keys.length, pattern !== undefined, dropped);
  }
}
