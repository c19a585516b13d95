/**
 * Holds cache writes while a failover is in progress. `begin()` raises the fence; `release()` lowers
 * it and lets every held write go on; the fence also lowers itself after `timeout` ms, so no write waits
 * longer than that. `whenOpen()` is what a write awaits.
 */
export class FailoverFence {
  private held: { promise: Promise<void>; open: () => void; timer: NodeJS.Timeout; since: number } | null = null;
  private waiting = 0;

  constructor(
    private readonly timeout: number,
    private readonly onTimeout: (heldMs: number, writes: number) => void,
  ) {}

  get raised(): boolean {
    return this.held !== null;
  }

  begin(): void {
    if (this.held) return;
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    const timer = setTimeout(() => {
      const { heldMs, writes } = this.release();
      this.onTimeout(heldMs, writes);
    }, this.timeout);
    timer.unref();
    this.held = { promise, open, timer, since: Date.now() };
    this.waiting = 0;
  }

  /** Lowers the fence; returns how long it stood and how many writes it held. */
  release(): { heldMs: number; writes: number } {
    const held = this.held;
    if (!held) return { heldMs: 0, writes: 0 };
    this.held = null;
    clearTimeout(held.timer);
    held.open();
    return { heldMs: Date.now() - held.since, writes: this.waiting };
  }

  /** Resolves at once when no failover is in progress, else when the fence lowers. */
  whenOpen(): Promise<void> | undefined {
    if (!this.held) return undefined;
    this.waiting += 1;
    return this.held.promise;
  }
}
