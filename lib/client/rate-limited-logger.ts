type Logger = { warn(message: string): unknown };

/** Logs a kind of failure at most once per interval, with the number suppressed since the last line. */
export class RateLimitedLogger {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(kind: string, message: string): void {
    const now = Date.now();
    const entry = this.last.get(kind);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suffix = entry?.suppressed ? ` (${entry.suppressed} more since the last report)` : '';
    this.last.set(kind, { at: now, suppressed: 0 });
    this.logger.warn(message + suffix);
  }
}
