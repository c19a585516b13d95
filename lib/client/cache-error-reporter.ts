import type { Redis } from 'ioredis';
import { CacheUnavailableError, type UnavailableReason } from '../errors/redis-sentinel-cache.errors.js';
import type { FailoverCoordinator } from '../failover/failover-coordinator.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { RateLimitedLogger } from './rate-limited-logger.js';
import { errorMessage, isAuthError, isPermissionError } from './redis-errors.js';

function classify(error: unknown): UnavailableReason {
  const message = errorMessage(error);
  if (/Command timed out/i.test(message)) return 'timeout';
  if (/^READONLY/.test(message)) return 'readonly';
  if (isAuthError(error)) return 'auth';
  if (isPermissionError(error)) return 'permission';
  if (/Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|not connected/i.test(message)) {
    return 'not-connected';
  }
  return 'server-error';
}

/**
 * Turns Redis failures of cache operations into {@link CacheUnavailableError}s worded for an operator
 * ("master 127.0.0.1:6379 did not answer within 1000 ms; the sentinels report a failover in
 * progress"), logs each kind at most once per interval, and calls the app's `listeners.error`. It also
 * knows when Redis has been unreachable for longer than `commandTimeout`, so callers fail fast instead
 * of piling commands into ioredis's offline queue, and reconnects through the sentinels when the
 * connected node stops answering (a hung master that still holds the TCP connection).
 */
export class CacheErrorReporter {
  private readonly log: RateLimitedLogger;
  private notReadySince: number | undefined;
  private lastAnswer = Date.now();
  private lastHungReconnect = 0;

  constructor(
    private readonly client: Redis,
    private readonly coordinator: FailoverCoordinator,
    private readonly options: ResolvedOptions,
    logger: { warn(message: string): unknown },
  ) {
    this.log = new RateLimitedLogger(logger, options.errorLogInterval);
    if (client.status !== 'ready') this.notReadySince = Date.now();
    client.on('ready', () => {
      this.notReadySince = undefined;
      this.lastAnswer = Date.now();
    });
    const lost = () => (this.notReadySince ??= Date.now());
    client.on('close', lost);
    client.on('end', lost);
  }

  /** An error to fail with at once when Redis has been unreachable longer than `commandTimeout`. */
  outage(operation: string): CacheUnavailableError | undefined {
    if (this.notReadySince === undefined || Date.now() - this.notReadySince <= this.options.commandTimeout) return undefined;
    const error = new CacheUnavailableError(operation, 'not-connected', this.describe('not-connected'));
    this.report(error);
    return error;
  }

  answered(): void {
    this.lastAnswer = Date.now();
  }

  /** Wraps and reports a failure; returns the typed error (the store decides to throw it or not). */
  failed(operation: string, cause: unknown): CacheUnavailableError {
    const reason = classify(cause);
    if (reason === 'timeout') this.reconnectIfHung();
    const error = new CacheUnavailableError(operation, reason, `${this.describe(reason)} (${errorMessage(cause)})`, { cause });
    this.report(error);
    return error;
  }

  private report(error: CacheUnavailableError): void {
    this.log.warn(error.reason, `Cache ${error.operation} failed: ${error.message}`);
    this.options.listeners?.error?.(error);
  }

  private describe(reason: UnavailableReason): string {
    const stream = this.client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
    const master = stream?.remoteAddress ? `master ${stream.remoteAddress.replace(/^::ffff:/, '')}:${stream.remotePort}` : `the master of "${this.options.name}"`;
    const failover = this.coordinator.failoverInProgress ? '; the sentinels report a failover in progress' : '';
    const text: Record<UnavailableReason, string> = {
      timeout: `${master} did not answer within ${this.options.commandTimeout} ms (commandTimeout)`,
      'not-connected': `${master} is unreachable (client ${this.client.status})`,
      readonly: `${master} is a replica now (READONLY); reconnecting through the sentinels`,
      auth: `${master} refused the credentials in "username"/"password"`,
      permission: `the ACL of ${master} does not allow this command`,
      'server-error': `${master} returned an error`,
    };
    return text[reason] + failover;
  }

  /** Several timeouts and no answer for 2·commandTimeout: drop the connection and ask the sentinels again. */
  private reconnectIfHung(): void {
    const now = Date.now();
    const silent = now - this.lastAnswer > 2 * this.options.commandTimeout;
    if (!silent || this.client.status !== 'ready' || now - this.lastHungReconnect < this.options.commandTimeout) return;
    this.lastHungReconnect = now;
    this.log.warn('hung', `No answer from the master of "${this.options.name}" for ${now - this.lastAnswer} ms: reconnecting through the sentinels.`);
    this.client.disconnect(true);
  }
}
