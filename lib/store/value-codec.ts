/** What Keyv and the cache keep per key: the value and when it expires (ms since the epoch). */
export interface CacheEntry<Value = unknown> {
  value: Value;
  expires?: number | null;
}

/** First character of every value this release writes; no JSON text starts with it. */
export const MARKER = '\u0001';
const STRING = 's';
const JSON_VALUE = 'j';
const STRING_BYTE = STRING.charCodeAt(0);
const JSON_BYTE = JSON_VALUE.charCodeAt(0);
const COLON = 0x3a;
const ZERO = 0x30;

/**
 * The format of a cached value in Redis:
 *
 *     \u0001 <type> <expires> : <payload>
 *
 * - `\u0001`: marks this format (a JSON text never starts with a control character);
 * - `<type>`: `s` a string, stored as it is (no JSON quoting or escaping); `j` anything else, as
 *   Keyv's serializer writes it (`@keyv/serialize`: JSON, Buffers as `:base64:`);
 * - `<expires>`: decimal ms since the epoch, empty for none (`cache.ttl()`, `wrap`'s refreshThreshold);
 * - `:` then the payload, to the end.
 *
 * So a 100-byte string costs 17 bytes of header instead of a JSON envelope (`{"value":"…","expires":…}`)
 * and no JSON work. Anything else is read as Keyv's envelope, as earlier releases (and Keyv with its
 * default serializer) wrote it, so during a rolling deploy the new pods read what the old ones wrote;
 * the old pods read the new format as a miss (never as a wrong value) and write their envelope again.
 */
export class ValueCodec {
  /** Keyv's default serializer and deserializer (`@keyv/serialize`, taken from a Keyv instance). */
  constructor(
    private readonly serialize: (data: unknown) => string,
    private readonly deserialize: (text: string) => unknown,
  ) {}

  /**
   * The string to store. Built flat (join copies once) rather than as header + value (a V8 cons
   * string): ioredis measures every argument with Buffer.byteLength, which on a cons string walks it
   * character by character, a third of the CPU of a 10 KB set.
   */
  encode(value: unknown, expires: number | undefined | null): string {
    const at = typeof expires === 'number' ? String(Math.ceil(expires)) : '';
    const header = `${MARKER}${typeof value === 'string' ? STRING : JSON_VALUE}${at}:`;
    return [header, typeof value === 'string' ? value : this.serialize(value)].join('');
  }

  /**
   * Reads either format; undefined for a value neither wrote (treated as a miss). From a Buffer (the
   * store reads replies as Buffers), the value string is made from its own bytes only: a slice of the
   * whole reply would keep the header alive with every value held (V8 sliced strings).
   */
  decode<Value = unknown>(raw: unknown): CacheEntry<Value> | undefined {
    if (Buffer.isBuffer(raw)) return this.decodeBuffer<Value>(raw);
    if (typeof raw !== 'string') return undefined;
    if (raw.charCodeAt(0) === 1) {
      const colon = raw.indexOf(':', 2);
      if (colon < 0) return undefined;
      const expires = colon > 2 ? Number(raw.slice(2, colon)) : undefined;
      const type = raw[1];
      if (type === STRING) return { value: raw.slice(colon + 1) as Value, expires };
      if (type !== JSON_VALUE) return undefined;
      try {
        return { value: this.parseJson(raw.slice(colon + 1)) as Value, expires };
      } catch {
        return undefined;
      }
    }
    return this.decodeEnvelope<Value>(raw);
  }

  private decodeBuffer<Value>(raw: Buffer): CacheEntry<Value> | undefined {
    if (raw[0] !== 1) return this.decodeEnvelope<Value>(raw.toString());
    const colon = raw.indexOf(COLON, 2);
    const expires = expiresOf(raw, colon);
    if (expires === INVALID) return undefined;
    const value = this.payload(raw, colon);
    return value === INVALID ? undefined : { value: value as Value, expires };
  }

  /**
   * The value of a live entry, undefined for a miss or an entry past its expiry at `now`; from reply
   * bytes without building an entry object (the many values of an `mget`).
   */
  liveValue(raw: unknown, now: number): unknown {
    if (Buffer.isBuffer(raw) && raw[0] === 1) {
      const colon = raw.indexOf(COLON, 2);
      const expires = expiresOf(raw, colon);
      if (expires === INVALID || (expires !== undefined && now > expires)) return undefined;
      const value = this.payload(raw, colon);
      return value === INVALID ? undefined : value;
    }
    const entry = this.decode(raw);
    return entry === undefined || isExpired(entry, now) ? undefined : entry.value;
  }

  /** The value after the header (`colon` is where it ends), or INVALID. */
  private payload(raw: Buffer, colon: number): unknown {
    const type = raw[1];
    if (type === STRING_BYTE) return raw.toString('utf8', colon + 1);
    if (type !== JSON_BYTE) return INVALID;
    try {
      return this.parseJson(raw.toString('utf8', colon + 1));
    } catch {
      return INVALID;
    }
  }

  /**
   * Keyv's serializer escapes a string value starting with `:` (`::x`, `:base64:…` for a Buffer) and its
   * deserializer undoes that with a reviver, which keeps JSON.parse off its fast path. Such a string is
   * `":` in the text right after `:`, `[`, `,` or `{` (or at the start); inside a string a quote is
   * always `\"`. Without one, plain JSON.parse reads the same value.
   */
  private parseJson(text: string): unknown {
    return ESCAPED_STRING.test(text) ? this.deserialize(text) : JSON.parse(text);
  }

  /** Keyv's JSON envelope `{"value":…,"expires":…}` (earlier releases). */
  private decodeEnvelope<Value>(raw: string): CacheEntry<Value> | undefined {
    try {
      const envelope = this.deserialize(raw) as CacheEntry<Value> | null;
      return envelope !== null && typeof envelope === 'object' && 'value' in envelope ? envelope : undefined;
    } catch {
      return undefined;
    }
  }
}

const INVALID: unique symbol = Symbol('invalid');
/** Where Keyv's serializer may have escaped a string (see ValueCodec.parseJson). */
const ESCAPED_STRING = /(?:^|[:[,{])":/;

/** The expiry in the header that ends at `colon` (undefined: none), or INVALID. */
function expiresOf(raw: Buffer, colon: number): number | undefined | typeof INVALID {
  if (colon < 0) return INVALID;
  if (colon === 2) return undefined;
  let expires = 0;
  for (let i = 2; i < colon; i += 1) {
    const digit = raw[i]! - ZERO;
    if (digit < 0 || digit > 9) return INVALID;
    expires = expires * 10 + digit;
  }
  return expires;
}

/** True once `entry` has expired (Redis expires it too, a little later at most). */
export function isExpired(entry: CacheEntry, now = Date.now()): boolean {
  return typeof entry.expires === 'number' && now > entry.expires;
}
