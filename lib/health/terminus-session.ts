import { Logger } from '@nestjs/common';
import type { HealthIndicatorResult, HealthIndicatorService, HealthIndicatorStatus } from '@nestjs/terminus';

/** What both Terminus 11 and 12 sessions have (`degraded` only in 12). */
interface AnySession {
  up(data: object): unknown;
  degraded?(data: object): unknown;
}

let warned = false;

/**
 * `session.degraded(data)` where Terminus has it (12 and later); on Terminus 11, which knows only
 * `up` and `down`, `session.up(data)` (the data still says `degraded: true`) and one warning.
 */
export function reportDegraded<Key extends string, Data extends object>(
  session: ReturnType<HealthIndicatorService['check']>,
  data: Data,
  key: Key,
): HealthIndicatorResult<Key, HealthIndicatorStatus, Data> {
  const compatible: AnySession = session;
  if (typeof compatible.degraded === 'function') return compatible.degraded(data) as HealthIndicatorResult<Key, HealthIndicatorStatus, Data>;
  if (!warned) {
    warned = true;
    new Logger('RedisSentinelHealthIndicator').warn(
      `isHealthy('${key}', { degradedStatus: 'degraded' }) needs @nestjs/terminus >= 12 (this one has no "degraded" status): ` +
        'reporting "up" with degraded: true instead.',
    );
  }
  return compatible.up(data) as HealthIndicatorResult<Key, HealthIndicatorStatus, Data>;
}
