import type { FenceRecord } from '../events/cache-events.js';

/**
 * Holds cache writes while a failover may be in progress. Each reason to hold them (a sentinel that
 * announced a promotion, a lost replica watch, sentinels reporting a failover) raises it under its own
 * name and lowers only that name, so an abort from one sentinel cannot open a fence another raised.
 * It stands until every reason is lowered, or at most `timeout` ms: then `onTimeout` decides.
 */
export class WriteFence {
  private readonly reasons = new Set<string>();
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private held = 0;

  constructor(
    private readonly timeout: number,
    private readonly onTimeout: (heldMs: number) => void,
    /** Raised, or lowered with how long it stood and how many writes it held. */
    private readonly onChange: (raised: boolean, record?: FenceRecord) => void,
  ) {}

  get raised(): boolean {
    return this.reasons.size > 0;
  }

  /** Why it stands (for logs and tests). */
  get raisedBy(): string[] {
    return [...this.reasons];
  }

  raise(reason: string): void {
    if (this.reasons.has(reason)) return;
    this.reasons.add(reason);
    if (this.reasons.size > 1) return;
    this.since = Date.now();
    this.held = 0;
    this.timer = setTimeout(() => this.onTimeout(Date.now() - (this.since ?? Date.now())), this.timeout);
    this.timer.unref();
    this.onChange(true);
  }

  /** Lowers one reason; the fence opens when none is left. */
  lower(reason: string): void {
    if (!this.reasons.delete(reason) || this.reasons.size > 0) return;
    this.open();
  }

  /** Lowers every reason (the failover is over); returns how long it stood and how many writes it held. */
  lowerAll(): FenceRecord {
    if (this.reasons.size === 0) return { heldMs: 0, writes: 0 };
    this.reasons.clear();
    return this.open();
  }

  /** Counts a write that had to wait for the fence. */
  noteHeld(): void {
    if (this.raised) this.held += 1;
  }

  private open(): FenceRecord {
    const record = { heldMs: this.since === undefined ? 0 : Date.now() - this.since, writes: this.held };
    clearTimeout(this.timer);
    this.timer = undefined;
    this.since = undefined;
    this.onChange(false, record);
    return record;
  }
}
