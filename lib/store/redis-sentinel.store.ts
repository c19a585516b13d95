import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/** What the store needs from the failover coordinator: a promise to await before each write. */
export interface WriteGate {
  whenOpen(): Promise<void> | undefined;
}

/** Keys per SCAN page and per UNLINK in `clear()`. */
const CLEAR_BATCH = 500;

/**
 * A keyv 5 storage adapter over an ioredis (Sentinel) client. Keyv hands it keys already prefixed
 * with `<namespace>:` and values already serialized; ttl is in ms. Every write first passes the
 * failover fence, so no write is acknowledged by a master that is being demoted.
 */
export class RedisSentinelStore extends EventEmitter implements KeyvStoreAdapter {
  /** `dialect: 'redis'` lets Keyv use {@link iterator}; Keyv's constructor requires it. */
  readonly opts = { dialect: 'redis' as const };
  namespace?: string;

  constructor(
    readonly client: Redis,
    private readonly gate: WriteGate,
    private readonly onDisconnect: () => Promise<void> = async () => undefined,
  ) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const value = await this.client.get(key);
    return (value ?? undefined) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    if (keys.length === 0) return [];
    const values = await this.client.mget(keys);
    return values.map((value) => (value ?? undefined) as StoredData<Value | undefined>);
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    await this.gate.whenOpen();
    const reply = ttl && ttl > 0 ? await this.client.set(key, value, 'PX', Math.ceil(ttl)) : await this.client.set(key, value);
    return reply === 'OK';
  }

  async setMany(entries: Array<{ key: string; value: string; ttl?: number }>): Promise<void> {
    if (entries.length === 0) return;
    await this.gate.whenOpen();
    const pipeline = this.client.pipeline();
    for (const { key, value, ttl } of entries) {
      if (ttl && ttl > 0) pipeline.set(key, value, 'PX', Math.ceil(ttl));
      else pipeline.set(key, value);
    }
    throwFirstError(await pipeline.exec());
  }

  async delete(key: string): Promise<boolean> {
    await this.gate.whenOpen();
    return (await this.client.del(key)) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    await this.gate.whenOpen();
    return (await this.client.del(...keys)) > 0;
  }

  async has(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1;
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.exists(key);
    return throwFirstError(await pipeline.exec()).map((count) => count === 1);
  }

  /** Deletes this namespace's keys only (SCAN MATCH + UNLINK), never FLUSHDB or KEYS. */
  async clear(): Promise<void> {
    const pattern = this.pattern();
    await this.gate.whenOpen();
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
    return this.onDisconnect();
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
