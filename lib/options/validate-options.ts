import { InvalidOptionError } from '../errors/redis-sentinel-cache.errors.js';
import {
  RESERVED_REDIS_OPTIONS,
  type RedisSentinelCacheModuleOptions,
  type ReservedRedisOption,
  type SentinelAddress,
} from '../interfaces/redis-sentinel-cache-options.interface.js';
import { DEFAULTS } from './redis-sentinel-cache.defaults.js';
import { withRedaction } from './redact-options.js';
import { resolveTlsFiles } from './tls-files.js';

type Defaulted = keyof typeof DEFAULTS;
/** Options after validation, with every default filled in. */
export type ResolvedOptions = Omit<RedisSentinelCacheModuleOptions, Defaulted> &
  Required<Pick<RedisSentinelCacheModuleOptions, Defaulted>>;

const RESERVED: ReadonlySet<string> = new Set<ReservedRedisOption>(RESERVED_REDIS_OPTIONS);
/** Where a reserved ioredis option has a module option of its own, the refusal names it. */
const MODULE_OPTION_FOR: Record<string, string> = {
  keyPrefix: 'namespace', commandTimeout: 'commandTimeout', connectTimeout: 'connectTimeout',
  sentinelCommandTimeout: 'sentinelCommandTimeout', retryStrategy: 'maxReconnectDelay', failoverDetector: 'failoverDetector',
};
/** Reserved ioredis options that are module options of the same name. */
const RESERVED_DERIVED = new Set(['sentinels', 'name', 'username', 'password', 'sentinelUsername', 'sentinelPassword', 'db', 'tls', 'sentinelTLS', 'natMap']);
/** Characters that make a key pattern match more than the namespace (SCAN MATCH is a glob). */
const GLOB_CHARACTERS = /[*?[\]\\]/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(options: Record<string, unknown>, key: string): void {
  const value = options[key];
  if (value !== undefined && typeof value !== 'string') {
    throw new InvalidOptionError(key, `must be a string, got ${typeof value}`);
  }
}

function nonNegativeInteger(value: unknown, option: string, { positive = false, max = Number.MAX_SAFE_INTEGER } = {}): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (positive ? 1 : 0) || value > max) {
    const range = positive ? 'a positive integer' : 'a non-negative integer';
    throw new InvalidOptionError(option, `must be ${range}${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${String(value)}`);
  }
}

function validateSentinels(value: unknown): SentinelAddress[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidOptionError('sentinels', 'must be a non-empty array of { host, port }');
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    const at = `sentinels[${index}]`;
    if (!isObject(entry)) throw new InvalidOptionError(at, 'must be an object { host, port }');
    if (typeof entry.host !== 'string' || entry.host.trim() === '') {
      throw new InvalidOptionError(`${at}.host`, 'must be a non-empty string');
    }
    if (entry.port === undefined) throw new InvalidOptionError(`${at}.port`, 'is required (Sentinel usually listens on 26379)');
    nonNegativeInteger(entry.port, `${at}.port`, { positive: true, max: 65_535 });
    if (entry.family !== undefined && entry.family !== 4 && entry.family !== 6) {
      throw new InvalidOptionError(`${at}.family`, 'must be 4 or 6');
    }
    const key = `${entry.host}:${String(entry.port)}`;
    if (seen.has(key)) throw new InvalidOptionError(at, `duplicates sentinel ${key}`);
    seen.add(key);
    return { ...entry } as unknown as SentinelAddress;
  });
}

/**
 * Checks every option and fills in defaults. Throws {@link InvalidOptionError} naming the option at
 * fault, so a misconfigured app fails at start-up rather than at its first request.
 */
export function validateOptions(input: unknown): ResolvedOptions {
  if (!isObject(input)) throw new InvalidOptionError('options', 'must be an object');
  const sentinels = validateSentinels(input.sentinels);
  if (typeof input.name !== 'string' || input.name.trim() === '') {
    throw new InvalidOptionError('name', 'must be the master group name the sentinels monitor, e.g. "primary"');
  }
  for (const key of ['username', 'password', 'sentinelUsername', 'sentinelPassword']) optionalString(input, key);
  const options = { ...DEFAULTS, ...stripUndefined(input), sentinels } as ResolvedOptions;

  nonNegativeInteger(options.db, 'db', { max: 15 });
  if (typeof options.namespace !== 'string' || options.namespace === '') {
    throw new InvalidOptionError('namespace', 'must be a non-empty string');
  }
  if (GLOB_CHARACTERS.test(options.namespace)) {
    throw new InvalidOptionError('namespace', 'must not contain *, ?, [, ] or \\ (clear() would match other keys)');
  }
  if (options.ttl !== undefined) nonNegativeInteger(options.ttl, 'ttl');
  for (const key of ['connectTimeout', 'commandTimeout', 'sentinelCommandTimeout', 'maxReconnectDelay',
    'failoverFenceTimeout', 'sentinelPollInterval', 'startupTimeout', 'maxValueSize', 'maxKeyLength', 'errorLogInterval',
    'maxRecentWrites', 'maxPendingInvalidations'] as const) {
    nonNegativeInteger(options[key], key, { positive: true });
  }
  nonNegativeInteger(options.recentWritesWindow, 'recentWritesWindow');
  if (options.onError !== 'fail-open' && options.onError !== 'throw') {
    throw new InvalidOptionError('onError', `must be 'fail-open' or 'throw', got ${String(options.onError)}`);
  }
  if (options.listeners !== undefined) {
    if (!isObject(options.listeners)) throw new InvalidOptionError('listeners', 'must be an object');
    for (const [name, listener] of Object.entries(options.listeners)) {
      if (listener !== undefined && typeof listener !== 'function') throw new InvalidOptionError(`listeners.${name}`, 'must be a function');
    }
  }
  validateMetrics(options.metrics);
  for (const key of ['failoverDetector', 'watchReplicas'] as const) {
    if (typeof options[key] !== 'boolean') throw new InvalidOptionError(key, 'must be a boolean');
  }
  for (const key of ['tls', 'sentinelTLS'] as const) {
    if (options[key] !== undefined && !isObject(options[key])) throw new InvalidOptionError(key, 'must be a TLS options object');
    options[key] = resolveTlsFiles(options[key], key);
  }
  if (options.natMap !== undefined && typeof options.natMap !== 'function' && !isObject(options.natMap)) {
    throw new InvalidOptionError('natMap', 'must be an object or a function');
  }
  if (options.redisOptions !== undefined) {
    if (!isObject(options.redisOptions)) throw new InvalidOptionError('redisOptions', 'must be an object');
    const reserved = Object.keys(options.redisOptions).find((key) => RESERVED.has(key));
    if (reserved) {
      const instead = MODULE_OPTION_FOR[reserved] ?? (RESERVED_DERIVED.has(reserved) ? reserved : undefined);
      throw new InvalidOptionError(
        `redisOptions.${reserved}`,
        instead ? `is set by the module; use the module option "${instead}" instead` : 'is fixed by the module for failover safety',
      );
    }
  }
  return withRedaction(options);
}

const METRICS_OPTIONS = ['enabled', 'meterProvider'];

function validateMetrics(metrics: unknown): void {
  if (metrics === undefined) return;
  if (!isObject(metrics)) throw new InvalidOptionError('metrics', 'must be an object { enabled?, meterProvider? }');
  const unknown = Object.keys(metrics).find((key) => !METRICS_OPTIONS.includes(key));
  if (unknown) throw new InvalidOptionError(`metrics.${unknown}`, `is not an option (${METRICS_OPTIONS.join(', ')})`);
  if (metrics.enabled !== undefined && typeof metrics.enabled !== 'boolean') {
    throw new InvalidOptionError('metrics.enabled', `must be a boolean, got ${typeof metrics.enabled}`);
  }
  const provider = metrics.meterProvider;
  if (provider !== undefined && (typeof provider !== 'object' || provider === null || typeof (provider as { getMeter?: unknown }).getMeter !== 'function')) {
    throw new InvalidOptionError('metrics.meterProvider', 'must be an OpenTelemetry MeterProvider (an object with getMeter())');
  }
}

function stripUndefined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
