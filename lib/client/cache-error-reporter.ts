import { CacheUnavailableError, type UnavailableReason } from '../errors/redis-sentinel-cache.errors.js';
import { CacheEvents } from '../events/cache-events.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { RateLimitedLogger } from './rate-limited-logger.js';
import { errorMessage, isAuthError, isPermissionError } from './redis-errors.js';

/** Operations whose failure leaves their keys invalidated (see PendingInvalidations). */
const WRITES = new Set(['set', 'mset', 'del', 'mdel', 'clear']);

function classify(error: unknown): UnavailableReason {
  const reason = (error as { reason?: unknown } | null)?.reason;
  if (reason === 'timeout' || reason === 'not-connected') return reason;
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

/** Where the cache's client stands, for wording a failure. */
export interface MasterDescription {
  /** `host:port` of the master the client uses or goes to, if known. */
  master(): string | undefined;
  failoverInProgress(): boolean;
}

/**
 * Turns Redis failures of cache operations into {@link CacheUnavailableError}s worded for an operator
 * ("master 127.0.0.1:6379 did not answer within 1000 ms; the sentinels report a failover in
 * progress") and emits each as `unavailable` on the cache's {@link CacheEvents}, where its own log
 * line (each kind at most once per interval), the app's `listeners.error` and the metrics pick it up.
 * It only reports: what the store does about a failure (retry, invalidate) is decided elsewhere.
 */
export class CacheErrorReporter {
  private readonly log: RateLimitedLogger;

  constructor(
    private readonly options: ResolvedOptions,
    logger: { warn(message: string): unknown },
    private readonly where: MasterDescription,
    private readonly events = new CacheEvents(),
  ) {
    this.log = new RateLimitedLogger(logger, options.errorLogInterval);
    events.on('unavailable', (error) => this.log.warn(error.reason, `Cache ${error.operation} failed: ${error.message}`));
  }

  /** Wraps and reports a failure; returns the typed error (the store decides to throw it or not). */
  failed(operation: string, cause: unknown): CacheUnavailableError {
    const reason = classify(cause);
    const invalidated = WRITES.has(operation) ? '; its keys are invalidated, so the previous value is not served' : '';
    const error = new CacheUnavailableError(operation, reason, `${this.describe(reason)} (${errorMessage(cause)})${invalidated}`, { cause });
    this.events.emit('unavailable', error);
    return error;
  }

  private describe(reason: UnavailableReason): string {
    const address = this.where.master();
    const master = address ? `master ${address}` : `the master of "${this.options.name}"`;
    const failover = this.where.failoverInProgress() ? '; the sentinels report a failover in progress' : '';
    const text: Record<UnavailableReason, string> = {
      timeout: `${master} did not answer within ${this.options.commandTimeout} ms (commandTimeout)`,
      'not-connected': `${master} is unreachable`,
      readonly: `${master} is a replica now (READONLY); reconnecting through the sentinels`,
      auth: `${master} refused the credentials in "username"/"password"`,
      permission: `the ACL of ${master} does not allow this command`,
      'server-error': `${master} returned an error`,
    };
    return text[reason] + failover;
  }
}
