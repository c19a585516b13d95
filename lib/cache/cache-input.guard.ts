import {
  InvalidKeyError,
  InvalidTtlError,
  InvalidValueError,
} from '../errors/redis-sentinel-cache.errors.js';

/** Types JSON would silently turn into `{}`, so a value containing one would not round-trip. */
const NOT_ROUND_TRIPPING = [Map, Set, WeakMap, WeakSet, Promise, RegExp] as const;

/**
 * Checks keys, ttls and values before anything is sent, so bad input fails with a typed error naming
 * the key and nothing is stored half-way. Values round-trip as JSON (Keyv's serializer): strings,
 * finite numbers, booleans, null, arrays, plain and class objects (own enumerable properties; an
 * `undefined` property is dropped, as in JSON), Buffers (kept as bytes) and Dates (read back as
 * ISO strings). Rejected: `undefined` as the value, BigInt, functions, symbols, NaN/Infinity,
 * Map/Set and other types JSON would empty, and circular references.
 */
export class CacheInputGuard {
  constructor(private readonly maxKeyLength: number) {}

  key(key: unknown): asserts key is string {
    if (typeof key !== 'string') throw new InvalidKeyError(key, 'must be a string');
    if (key.length === 0) throw new InvalidKeyError(key, 'must not be empty');
    if (key.length > this.maxKeyLength) {
      throw new InvalidKeyError(key, `is ${key.length} characters, over maxKeyLength (${this.maxKeyLength})`);
    }
  }

  ttl(key: string, ttl: unknown): void {
    if (ttl === undefined) return;
    if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 0) throw new InvalidTtlError(key, ttl);
  }

  value(key: string, value: unknown): void {
    if (value === undefined) throw new InvalidValueError(key, 'value', 'is undefined (use del() to remove a key)');
    const problem = unsupported(value, 'value', new Set());
    if (problem) throw new InvalidValueError(key, problem[0], problem[1]);
  }

  /** Checks one `set()`: key, ttl and value. */
  entry(key: unknown, value: unknown, ttl: unknown): void {
    this.key(key);
    this.ttl(key, ttl);
    this.value(key, value);
  }
}

function unsupported(value: unknown, path: string, ancestors: Set<object>): [string, string] | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : [path, `is ${String(value)} (JSON would store null)`];
    case 'bigint':
      return [path, 'is a BigInt (not JSON-serializable; store it as a string)'];
    case 'function':
      return [path, 'is a function'];
    case 'symbol':
      return [path, 'is a symbol'];
    case 'undefined':
      return [path, 'is undefined inside an array (JSON would store null)'];
    default:
      break;
  }
  if (value === null || Buffer.isBuffer(value) || value instanceof Date) return undefined;
  const object = value as Record<string, unknown>;
  const emptied = NOT_ROUND_TRIPPING.find((type) => object instanceof type);
  if (emptied) return [path, `is a ${emptied.name} (JSON would store {}); convert it to an array or object`];
  if (typeof object.toJSON === 'function') return undefined;
  if (ancestors.has(object)) return [path, 'is a circular reference'];
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      for (const [index, item] of object.entries()) {
        const problem = unsupported(item, `${path}[${index}]`, ancestors);
        if (problem) return problem;
      }
      return undefined;
    }
    for (const [name, item] of Object.entries(object)) {
      if (item === undefined) continue;
      const problem = unsupported(item, `${path}.${name}`, ancestors);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(object);
  }
}
