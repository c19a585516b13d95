import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { CacheUnavailableError } from '../errors/redis-sentinel-cache.errors.js';
import { ValueTooLargeError } from '../errors/redis-sentinel-cache.errors.js';
import { PendingInvalidations } from './pending-invalidations.js';

/** What the store needs around the client. */
export interface StoreContext {
  client: Redis;
  /** The failover fence: a promise to await before each write. */
  gate: { whenOpen(): Promise<void> | undefined };
  /** Turns Redis failures into typed, reported errors (see CacheErrorReporter). */
  reporter: {
    outage(operation: string): CacheUnavailableError | undefined;
    failed(operation: string, cause: unknown): CacheUnavailableError;
    answered(): void;
  };
  /** `onError: 'fail-open'`: a failed read is a miss, a failed write a no-op. */
  failOpen: boolean;
  maxValueSize: number;
  /** Called by `disconnect()`. */
  close(): Promise<void>;
  /** Told how many failed-open invalidations were replayed when Redis came back. */
  replayed?(keys: number, cleared: boolean, dropped: number): void;
}

/** Keys per SCAN page and per UNLINK in `clear()`. */
const CLEAR_BATCH = 500;

/**
 * A keyv 5 storage adapter over an ioredis (Sentinel) client. Keyv hands it keys already prefixed
 * with `<namespace>:` and values already serialized; ttl is in ms. Every write first passes the
 * failover fence, so no write is acknowledged by a master that is being demoted. Redis failures are
 * reported and, under `onError: 'fail-open'`, become misses and no-ops.
 */
export class RedisSentinelStore extends EventEmitter implements KeyvStoreAdapter {
  /** `dialect: 'redis'` lets Keyv use {@link iterator}; Keyv's constructor requires it. */
  readonly opts = { dialect: 'redis' as const };
  namespace?: string;
  private readonly client: Redis;
  private readonly pending: PendingInvalidations;

  constructor(private readonly context: StoreContext) {
    super();
    this.client = context.client;
    this.pending = new PendingInvalidations(
      context.client,
      (keys, cleared, dropped) => context.replayed?.(keys, cleared, dropped),
      (pattern) => this.unlinkMatching(pattern),
    );
  }

  /** Invalidations that failed open and wait for Redis to come back. */
  get pendingInvalidations(): number {
    return this.pending.size;
  }

  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.run('get', undefined, async () => ((await this.client.get(key)) ?? undefined) as StoredData<Value> | undefined);
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    if (keys.length === 0) return [];
    const misses = keys.map(() => undefined);
    return this.run('mget', misses, async () => (await this.client.mget(keys)).map((value) => (value ?? undefined) as StoredData<Value | undefined>));
  }

  set(key: string, value: string, ttl?: number): Promise<boolean> {
    this.checkSize(key, value);
    return this.write('set', false, async () => {
      const reply = ttl && ttl > 0 ? await this.client.set(key, value, 'PX', Math.ceil(ttl)) : await this.client.set(key, value);
      return reply === 'OK';
    });
  }

  async setMany(entries: Array<{ key: string; value: string; ttl?: number }>): Promise<void> {
    if (entries.length === 0) return;
    for (const { key, value } of entries) this.checkSize(key, value);
    await this.write('mset', undefined, async () => {
      const pipeline = this.client.pipeline();
      for (const { key, value, ttl } of entries) {
        if (ttl && ttl > 0) pipeline.set(key, value, 'PX', Math.ceil(ttl));
        else pipeline.set(key, value);
      }
      throwFirstError(await pipeline.exec());
    });
  }

  delete(key: string): Promise<boolean> {
    return this.write('del', false, async () => (await this.client.del(key)) > 0, () => this.pending.remember([key]));
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    return this.write('mdel', false, async () => (await this.client.del(...keys)) > 0, () => this.pending.remember(keys));
  }

  has(key: string): Promise<boolean> {
    return this.run('has', false, async () => (await this.client.exists(key)) === 1);
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    return this.run('has', keys.map(() => false), async () => {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.exists(key);
      return throwFirstError(await pipeline.exec()).map((count) => count === 1);
    });
  }

  /** Deletes this namespace's keys only (SCAN MATCH + UNLINK), never FLUSHDB or KEYS. */
  async clear(): Promise<void> {
    const pattern = this.pattern();
    await this.write('clear', undefined, () => this.unlinkMatching(pattern), () => this.pending.rememberClear(pattern));
  }

  private async unlinkMatching(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', CLEAR_BATCH);
      if (keys.length > 0) await this.client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Yields `[key, serializedValue]` for every key of the namespace (Keyv strips the prefix). */
  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const pattern = this.pattern(namespace);
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', CLEAR_BATCH);
      const values = keys.length > 0 ? await this.client.mget(keys) : [];
      for (const [index, key] of keys.entries()) {
        const value = values[index];
        if (value !== null && value !== undefined) yield [key, value as Awaited<Value>];
      }
      cursor = next;
    } while (cursor !== '0');
  }

  disconnect(): Promise<void> {
    return this.context.close();
  }

  /** Runs one Redis operation under the error policy: fail fast in an outage, report failures. */
  private async run<T>(operation: string, fallback: T, command: () => Promise<T>, failedOpen?: () => void): Promise<T> {
    const { reporter, failOpen } = this.context;
    const outage = reporter.outage(operation);
    let error = outage;
    if (!outage) {
      try {
        const result = await command();
        reporter.answered();
        return result;
      } catch (cause) {
        error = reporter.failed(operation, cause);
      }
    }
    if (!failOpen) throw error;
    failedOpen?.();
    return fallback;
  }

  /** A write: waits for the failover fence first, then runs under the error policy. */
  private write<T>(operation: string, fallback: T, command: () => Promise<T>, failedOpen?: () => void): Promise<T> {
    const gated = async () => {
      await this.context.gate.whenOpen();
      return command();
    };
    return this.run(operation, fallback, gated, failedOpen);
  }

  private checkSize(key: string, value: string): void {
    const limit = this.context.maxValueSize;
    if (value.length * 3 <= limit) return; // a UTF-8 character is at most 3 bytes per UTF-16 unit
    const size = Buffer.byteLength(value);
    if (size > limit) throw new ValueTooLargeError(this.unprefixed(key), size, limit);
  }

  private unprefixed(key: string): string {
    return this.namespace && key.startsWith(`${this.namespace}:`) ? key.slice(this.namespace.length + 1) : key;
  }

  private pattern(namespace = this.namespace): string {
    // The module rejects namespaces with glob characters, so this matches the namespace and nothing else.
    if (!namespace) throw new Error('RedisSentinelStore.clear() needs a namespace; refusing to delete every key');
    return `${namespace}:*`;
  }
}

function throwFirstError(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('pipeline was discarded');
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results.map(([, value]) => value);
}
