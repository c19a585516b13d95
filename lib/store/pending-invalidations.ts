import type { CommandDispatcher } from './command-dispatcher.js';

/** Keys per UNLINK. */
const BATCH = 500;

/**
 * Keys whose value in Redis may be stale: a write or delete that failed (dropped, or sent with its
 * outcome unknown), or a key written shortly before the client moved to another master. Until each is
 * deleted in Redis, reads of it are misses (`has`), so this instance never serves what it may have
 * invalidated; the deletions go out as soon as a write can (ahead of writes waiting behind the fence),
 * and again after every reconnect until Redis confirms them. Past `maxKeys`, the namespace is cleared
 * instead (every read misses until it is).
 */
export class PendingInvalidations {
  /** key -> generation of its newest invalidation. */
  private readonly keys = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private clearPattern: string | undefined;
  private clearing = false;
  private generation = 0;

  constructor(
    private readonly dispatcher: CommandDispatcher,
    private readonly maxKeys: number,
    private readonly unlink: (keys: string[]) => Promise<unknown>,
    private readonly unlinkMatching: (pattern: string) => Promise<void>,
    private readonly namespacePattern: () => string | undefined,
  ) {}

  /** Keys (and a pending clear) still to delete. */
  get size(): number {
    return this.keys.size + (this.clearPattern ? 1 : 0);
  }

  /** True while the cached value of `key` must not be served. */
  has(key: string): boolean {
    return this.keys.has(key) || (this.clearPattern !== undefined && matches(this.clearPattern, key));
  }

  add(keys: readonly string[]): void {
    if (keys.length === 0) return;
    if (this.clearPattern === undefined && this.keys.size + keys.length > this.maxKeys) {
      const pattern = this.namespacePattern();
      if (pattern) {
        this.addClear(pattern);
        return;
      }
    }
    const generation = ++this.generation;
    for (const key of keys) {
      if (this.clearPattern !== undefined && matches(this.clearPattern, key)) continue;
      this.keys.set(key, generation);
    }
    this.replay();
  }

  /** Everything matching `pattern` may be stale (a failed clear(), or too many keys to track). */
  addClear(pattern: string): void {
    this.clearPattern = pattern;
    for (const key of [...this.keys.keys()]) if (matches(pattern, key)) this.keys.delete(key);
    this.replay();
  }

  /** Sends what is pending and not already under way (the dispatcher holds it until a write can go). */
  replay(): void {
    const pattern = this.clearPattern;
    if (pattern !== undefined && !this.clearing) {
      this.clearing = true;
      this.dispatcher.submit('write', null, () => this.unlinkMatching(pattern), 0).then(
        () => {
          this.clearing = false;
          if (this.clearPattern === pattern) this.clearPattern = undefined;
        },
        () => (this.clearing = false),
      );
    }
    const ready = [...this.keys.keys()].filter((key) => !this.inFlight.has(key));
    for (let start = 0; start < ready.length; start += BATCH) {
      const batch = ready.slice(start, start + BATCH);
      const generations = batch.map((key) => this.keys.get(key)!);
      for (const key of batch) this.inFlight.add(key);
      const done = () => {
        for (const key of batch) this.inFlight.delete(key);
      };
      this.dispatcher.submit('write', batch, () => this.unlink(batch), 0).then(
        () => {
          done();
          let again = false;
          batch.forEach((key, index) => {
            if (this.keys.get(key) === generations[index]) this.keys.delete(key);
            else again ||= this.keys.has(key);
          });
          // Invalidated again while this batch was under way: once more.
          if (again) this.replay();
        },
        // Retried when a write can go again (the store calls replay() on `usable` and when the fence falls).
        done,
      );
    }
  }
}

/** `<namespace>:*` patterns only (the store makes them; the namespace has no glob characters). */
function matches(pattern: string, key: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}
