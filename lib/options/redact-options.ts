import { inspect } from 'node:util';

const REDACTED = '[redacted]';
const SECRET_OPTIONS = ['password', 'sentinelPassword'] as const;
const SECRET_TLS_FIELDS = ['key', 'passphrase', 'pfx'] as const;

/** A copy of the options with passwords and TLS private material replaced by `[redacted]`. */
export function redactOptions(options: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...options };
  for (const name of SECRET_OPTIONS) if (copy[name] !== undefined) copy[name] = REDACTED;
  for (const name of ['tls', 'sentinelTLS']) {
    const tls = copy[name] as Record<string, unknown> | undefined;
    if (!tls) continue;
    copy[name] = Object.fromEntries(
      Object.entries(tls).map(([field, value]) => [field, (SECRET_TLS_FIELDS as readonly string[]).includes(field) && value !== undefined ? REDACTED : value]),
    );
  }
  if (copy.redisOptions) copy.redisOptions = '[ioredis options]';
  const metrics = copy.metrics as { meterProvider?: unknown } | undefined;
  if (metrics?.meterProvider) copy.metrics = { ...metrics, meterProvider: '[MeterProvider]' };
  return copy;
}

/**
 * Makes `JSON.stringify(options)` and `util.inspect(options)` (so `console.log` and Nest's logger)
 * print the redacted copy. The properties themselves stay readable by the module.
 */
export function withRedaction<T extends object>(options: T): T {
  const redacted = () => redactOptions(options as Record<string, unknown>);
  Object.defineProperty(options, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(options, inspect.custom, { value: redacted, enumerable: false });
  return options;
}
