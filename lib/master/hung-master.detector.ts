/**
 * Tells a hung master (a stopped process that still holds the TCP connection) from a slow command:
 * the connection counts as hung only when no reply at all has come for `hungAfterMs` since the oldest
 * command still waiting for one was sent. One timeout after an idle period is not enough, and a busy
 * master that answers slowly never counts.
 */
export class HungMasterDetector {
  /** Send times of commands without a reply yet, oldest first (replies come in order on one connection). */
  private readonly waiting: number[] = [];
  private lastReconnect = 0;

  constructor(
    private readonly hungAfterMs: number,
    private readonly reconnect: (silentMs: number) => void,
  ) {}

  sent(at: number): void {
    this.waiting.push(at);
  }

  /** A reply (value or error) came for the command sent at `sentAt` (and so for every earlier one). */
  answered(sentAt: number): void {
    while (this.waiting.length > 0 && this.waiting[0]! <= sentAt) this.waiting.shift();
  }

  /** The connection closed: nothing is waiting on it any more. */
  reset(): void {
    this.waiting.length = 0;
  }

  /**
   * Reconnects when the oldest waiting command has had no reply for `hungAfterMs`; returns when to
   * check again (undefined: nothing waits).
   */
  check(now = Date.now()): number | undefined {
    const oldest = this.waiting[0];
    if (oldest === undefined) return undefined;
    if (now - oldest < this.hungAfterMs) return oldest + this.hungAfterMs;
    if (now - this.lastReconnect < this.hungAfterMs) return this.lastReconnect + this.hungAfterMs;
    this.lastReconnect = now;
    const silentMs = now - oldest;
    this.reset();
    this.reconnect(silentMs);
    return undefined;
  }
}
