import { bounded } from '../../../lib/health/bounded-call.js';
import { redactSecrets } from '../../../lib/health/redact-secrets.js';

describe('bounded', () => {
  it('returns the value, the error, or a timeout after the bound', async () => {
    expect(await bounded(Promise.resolve(1), 100)).toEqual({ kind: 'ok', value: 1 });
    const failed = await bounded(Promise.reject(new Error('boom')), 100);
    expect(failed.kind === 'error' && (failed.error as Error).message).toBe('boom');
    const started = Date.now();
    expect(await bounded(new Promise(() => undefined), 50)).toEqual({ kind: 'timeout' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(500);
  });

  it('swallows a rejection that comes after the bound', async () => {
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 30));
    expect(await bounded(late, 5)).toEqual({ kind: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 50)); // an unhandled rejection would fail the run
  });
});

describe('redactSecrets', () => {
  it('replaces every secret in every string, deeply', () => {
    const input = { message: 'WRONGPASS s3cret', list: ['a s3cret b', 3], nested: { other: 'p@ss and s3cret' } };
    expect(redactSecrets(input, ['s3cret', undefined, 'p@ss', ''])).toEqual({
      message: 'WRONGPASS ***',
      list: ['a *** b', 3],
      nested: { other: '*** and ***' },
    });
  });
});
