/**
 * The keys this instance wrote (SET or DEL acknowledged) in the last `windowMs`. A master acknowledges
 * a write before its replicas have it; when a failover promotes a replica, what it had not received is
 * gone, and the new master serves the value from before. So when the client moves to another master,
 * these keys are invalidated there before they are read. Memory is bounded by `maxKeys`: past it the
 * oldest are forgotten and the next failover clears the namespace instead (never a stale read).
 */
export class RecentWrites {
  /** key -> time of its last write; insertion order is time order (a re-write moves the key to the end). */
  private readonly keys = new Map<string, number>();
  private clearedAt: number | undefined;
  /** A key younger than the window was forgotten (over `maxKeys`): only a clear is safe now. */
  private truncatedAt: number | undefined;
  /** Pruned this recently: keys past the window are dropped every eighth of it (not on every write). */
  private prunedAt = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  note(keys: readonly string[], now = Date.now()): void {
    if (this.windowMs === 0) return;
    for (const key of keys) {
      this.keys.delete(key);
      this.keys.set(key, now);
    }
    if (now - this.prunedAt >= this.windowMs / 8 || this.keys.size > this.maxKeys) this.prune(now);
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
      this.truncatedAt = now;
    }
  }

  noteClear(now = Date.now()): void {
    if (this.windowMs === 0) return;
    this.clearedAt = now;
  }

  /** What to invalidate on a new master: the keys of the window, or a clear; then forgets them. */
  take(now = Date.now()): { keys: string[]; clear: boolean } {
    this.prune(now);
    const recent = (at: number | undefined) => at !== undefined && now - at <= this.windowMs;
    const clear = recent(this.clearedAt) || recent(this.truncatedAt);
    const keys = clear ? [] : [...this.keys.keys()];
    this.keys.clear();
    this.clearedAt = undefined;
    this.truncatedAt = undefined;
    return { keys, clear };
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const [key, at] of this.keys) {
      if (now - at <= this.windowMs) break;
      this.keys.delete(key);
    }
  }
}
