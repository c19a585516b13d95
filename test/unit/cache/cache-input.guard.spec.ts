import { CacheInputGuard } from '../../../lib/cache/cache-input.guard.js';
import { InvalidKeyError, InvalidTtlError, InvalidValueError } from '../../../lib/index.js';

const guard = new CacheInputGuard(16);

function problem(value: unknown): string {
  try {
    guard.value('k', value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidValueError);
    expect((error as InvalidValueError).key).toBe('k');
    return (error as InvalidValueError).path;
  }
  throw new Error('expected an InvalidValueError');
}

describe('CacheInputGuard', () => {
  it('accepts what round-trips through JSON, Buffers and Dates', () => {
    class Dto { constructor(readonly id = 1, readonly optional?: string) {} }
    const shared = { a: 1 };
    for (const value of ['', 0, -1.5, true, null, [], {}, [1, 'a', null], { nested: { deep: [shared, shared] } }, new Dto(), Buffer.from('x'), new Date(0), { skipped: undefined }]) {
      expect(() => guard.value('k', value)).not.toThrow();
    }
  });

  it.each([
    [undefined, 'value'],
    [10n, 'value'],
    [{ id: 10n }, 'value.id'],
    [{ fn: () => 1 }, 'value.fn'],
    [[1, Symbol('s')], 'value[1]'],
    [[1, undefined], 'value[1]'],
    [Number.NaN, 'value'],
    [{ n: Number.POSITIVE_INFINITY }, 'value.n'],
    [new Map([[1, 2]]), 'value'],
    [{ tags: new Set(['a']) }, 'value.tags'],
  ])('rejects %p at %s', (value, path) => {
    expect(problem(value)).toBe(path);
  });

  it('rejects circular references, naming where', () => {
    const node: Record<string, unknown> = { name: 'root', children: [] };
    (node.children as unknown[]).push({ parent: node });
    expect(problem(node)).toBe('value.children[0].parent');
  });

  it('checks keys: string, non-empty, within maxKeyLength', () => {
    expect(() => guard.key('ok')).not.toThrow();
    expect(() => guard.key('')).toThrow(InvalidKeyError);
    expect(() => guard.key(42)).toThrow(/must be a string/);
    expect(() => guard.key('x'.repeat(17))).toThrow(/17 characters, over maxKeyLength \(16\)/);
  });

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], ['10']])('rejects ttl %p', (ttl) => {
    expect(() => guard.ttl('k', ttl)).toThrow(InvalidTtlError);
  });

  it('accepts a missing ttl, 0 and positive integers', () => {
    for (const ttl of [undefined, 0, 1, 60_000]) expect(() => guard.ttl('k', ttl)).not.toThrow();
  });
});
