import { Keyv } from 'keyv';
import { isExpired, MARKER, ValueCodec } from '../../../lib/store/value-codec.js';

const keyv = new Keyv();
const serialize = keyv.serialize as (data: unknown) => string;
const codec = new ValueCodec(serialize, keyv.deserialize as (text: string) => unknown);

describe('ValueCodec', () => {
  it('stores a string as it is behind a short header: no JSON quoting or escaping', () => {
    expect(codec.encode('hello "world"', 1_700_000_000_000)).toBe(`${MARKER}s1700000000000:hello "world"`);
    expect(codec.encode('x', undefined)).toBe(`${MARKER}s:x`);
  });

  it.each<[string, unknown]>([
    ['a string', 'plain'],
    ['a string starting with a colon', ':base64:not-a-buffer'],
    ['a string with the marker and colons', `${MARKER}s12:x`],
    ['an empty string', ''],
    ['a string of multi-byte characters', 'é ü 🚀 日本'],
    ['a number', 42],
    ['null', null],
    ['a boolean', false],
    ['an object with a nested string starting with a colon', { a: ':x', list: [1, 'two'] }],
    ['a Buffer', Buffer.from([0, 1, 2, 255])],
    ['a nested Buffer', { data: Buffer.from('bytes') }],
  ])('round-trips %s, with and without an expiry, from a string or the reply bytes', (_name, value) => {
    expect(codec.decode(codec.encode(value, 123))).toEqual({ value, expires: 123 });
    expect(codec.decode(codec.encode(value, undefined))).toEqual({ value, expires: undefined });
    expect(codec.decode(Buffer.from(codec.encode(value, 1_700_000_000_123)))).toEqual({ value, expires: 1_700_000_000_123 });
    expect(codec.decode(Buffer.from(codec.encode(value, undefined)))).toEqual({ value, expires: undefined });
  });

  it('reads JSON with and without escaped strings alike (plain JSON.parse only where nothing is escaped)', () => {
    const values: unknown[] = [
      { name: 'Sentinel', price: 1, tags: ['a', 'b:c'], nested: { 'k:': 'v', empty: '' } },
      { s: ':x', t: '::y' },
      [':a', { b: ':c' }],
      { key: 'quote \\": inside' },
      { ':key': ':value' },
      { buffer: Buffer.from('xyz') },
    ];
    for (const value of values) {
      const text = serialize(value);
      expect(codec.decode(codec.encode(value, undefined))?.value).toEqual(keyv.deserialize!(text));
      expect(codec.decode(Buffer.from(codec.encode(value, undefined)))?.value).toEqual(value);
    }
  });

  it('reads a Date back as its ISO string (as Keyv did)', () => {
    const date = new Date(0);
    expect(codec.decode(codec.encode({ at: date }, undefined))?.value).toEqual({ at: date.toISOString() });
  });

  it("still reads Keyv's JSON envelope, as earlier releases wrote it (rolling deploys)", () => {
    const old = serialize({ value: { n: 1, s: ':colon' }, expires: 5 });
    expect(old.startsWith('{"value":')).toBe(true);
    expect(codec.decode(old)).toEqual({ value: { n: 1, s: ':colon' }, expires: 5 });
    expect(codec.decode(serialize({ value: 'text', expires: undefined }))).toEqual({ value: 'text' });
    expect(codec.decode(Buffer.from(old))).toEqual({ value: { n: 1, s: ':colon' }, expires: 5 });
  });

  it('reads what it did not write as a miss, never as a value', () => {
    for (const raw of ['plain text', '42', '"quoted"', `${MARKER}`, `${MARKER}s`, `${MARKER}x1:y`, `${MARKER}j:{broken`, null, undefined, 7]) {
      expect(codec.decode(raw)).toBeUndefined();
      if (typeof raw === 'string') expect(codec.decode(Buffer.from(raw))).toBeUndefined();
    }
    expect(codec.decode(Buffer.from(`${MARKER}s12a:x`))).toBeUndefined(); // not a number
  });

  it('reads the live value alone (mget): undefined when expired, a miss, or not its format', () => {
    expect(codec.liveValue(Buffer.from(codec.encode('v', 100)), 99)).toBe('v');
    expect(codec.liveValue(Buffer.from(codec.encode('v', 100)), 101)).toBeUndefined();
    expect(codec.liveValue(Buffer.from(codec.encode({ a: 1 }, undefined)), 101)).toEqual({ a: 1 });
    expect(codec.liveValue(Buffer.from(serialize({ value: 'old', expires: 100 })), 99)).toBe('old');
    expect(codec.liveValue(Buffer.from(serialize({ value: 'old', expires: 100 })), 101)).toBeUndefined();
    expect(codec.liveValue(codec.encode(null, 100), 99)).toBeNull();
    for (const raw of [null, Buffer.from('junk'), Buffer.from(`${MARKER}q:x`), Buffer.from(`${MARKER}s1x:y`)]) expect(codec.liveValue(raw, 0)).toBeUndefined();
  });

  it('tells an expired entry', () => {
    expect(isExpired({ value: 1, expires: 10 }, 11)).toBe(true);
    expect(isExpired({ value: 1, expires: 10 }, 10)).toBe(false);
    expect(isExpired({ value: 1, expires: undefined }, 11)).toBe(false);
  });
});
