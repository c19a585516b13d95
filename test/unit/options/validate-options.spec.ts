import { InvalidOptionError, RedisSentinelCacheErrorCode } from '../../../lib/index.js';
import { validateOptions } from '../../../lib/options/validate-options.js';

const valid = { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'primary' };

function optionAtFault(input: unknown): string {
  try {
    validateOptions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe(RedisSentinelCacheErrorCode.INVALID_OPTION);
    return (error as InvalidOptionError).option;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('validateOptions', () => {
  it('fills in the documented defaults', () => {
    expect(validateOptions(valid)).toMatchObject({
      db: 0, namespace: 'cache', commandTimeout: 1000, connectTimeout: 2000, sentinelCommandTimeout: 500,
      maxReconnectDelay: 250, failoverDetector: true, failoverFenceTimeout: 5000, startupTimeout: 5000,
    });
  });

  it('keeps explicit values and ignores undefined ones', () => {
    const options = validateOptions({ ...valid, namespace: 'app', ttl: 60_000, db: undefined, password: 's3cret' });
    expect(options).toMatchObject({ namespace: 'app', ttl: 60_000, db: 0, password: 's3cret' });
  });

  it.each([
    [{ sentinels: valid.sentinels }, 'name'],
    [{ ...valid, name: '  ' }, 'name'],
    [{ ...valid, sentinels: [] }, 'sentinels'],
    [{ ...valid, sentinels: undefined }, 'sentinels'],
    [{ ...valid, sentinels: [{ host: '127.0.0.1' }] }, 'sentinels[0].port'],
    [{ ...valid, sentinels: [{ host: '127.0.0.1', port: '26379' }] }, 'sentinels[0].port'],
    [{ ...valid, sentinels: [{ host: '127.0.0.1', port: 70_000 }] }, 'sentinels[0].port'],
    [{ ...valid, sentinels: [{ host: '', port: 1 }] }, 'sentinels[0].host'],
    [{ ...valid, sentinels: [valid.sentinels[0], { host: '127.0.0.1', port: 26379 }] }, 'sentinels[1]'],
    [{ ...valid, ttl: -1 }, 'ttl'],
    [{ ...valid, ttl: Number.NaN }, 'ttl'],
    [{ ...valid, ttl: 1.5 }, 'ttl'],
    [{ ...valid, ttl: Number.POSITIVE_INFINITY }, 'ttl'],
    [{ ...valid, db: 16 }, 'db'],
    [{ ...valid, db: -1 }, 'db'],
    [{ ...valid, namespace: '' }, 'namespace'],
    [{ ...valid, namespace: 'app*' }, 'namespace'],
    [{ ...valid, namespace: 'a?b' }, 'namespace'],
    [{ ...valid, namespace: 'a[b' }, 'namespace'],
    [{ ...valid, commandTimeout: 0 }, 'commandTimeout'],
    [{ ...valid, password: 42 }, 'password'],
    [{ ...valid, failoverDetector: 'yes' }, 'failoverDetector'],
    [{ ...valid, redisOptions: { retryStrategy: () => 1 } }, 'redisOptions.retryStrategy'],
    [{ ...valid, redisOptions: { password: 'x' } }, 'redisOptions.password'],
    [{ ...valid, redisOptions: { keyPrefix: 'app:' } }, 'redisOptions.keyPrefix'],
    [{ ...valid, redisOptions: { commandTimeout: 5_000 } }, 'redisOptions.commandTimeout'],
    [{ ...valid, redisOptions: { connectTimeout: 5_000 } }, 'redisOptions.connectTimeout'],
    [{ ...valid, redisOptions: { maxRetriesPerRequest: 3 } }, 'redisOptions.maxRetriesPerRequest'],
    [{ ...valid, redisOptions: { updateSentinels: true } }, 'redisOptions.updateSentinels'],
    [{ ...valid, redisOptions: { enableOfflineQueue: false } }, 'redisOptions.enableOfflineQueue'],
    [{ ...valid, redisOptions: { autoResendUnfulfilledCommands: true } }, 'redisOptions.autoResendUnfulfilledCommands'],
    [{ ...valid, watchReplicas: 1 }, 'watchReplicas'],
    [{ ...valid, recentWritesWindow: -1 }, 'recentWritesWindow'],
    [{ ...valid, maxRecentWrites: 0 }, 'maxRecentWrites'],
    [{ ...valid, maxPendingInvalidations: 1.5 }, 'maxPendingInvalidations'],
    [{ ...valid, metrics: true }, 'metrics'],
    [{ ...valid, metrics: { enabled: 'yes' } }, 'metrics.enabled'],
    [{ ...valid, metrics: { meterProvider: {} } }, 'metrics.meterProvider'],
    [{ ...valid, metrics: { meterProvider: null } }, 'metrics.meterProvider'],
    [{ ...valid, metrics: { provider: { getMeter: () => ({}) } } }, 'metrics.provider'],
    [null, 'options'],
  ])('rejects %j naming %s', (input, option) => {
    expect(optionAtFault(input)).toBe(option);
  });

  it('points a reserved ioredis option at the module option to use instead', () => {
    expect(() => validateOptions({ ...valid, redisOptions: { keyPrefix: 'app:' } })).toThrow(/use the module option "namespace"/);
    expect(() => validateOptions({ ...valid, redisOptions: { commandTimeout: 5 } })).toThrow(/use the module option "commandTimeout"/);
    expect(() => validateOptions({ ...valid, redisOptions: { enableOfflineQueue: false } })).toThrow(/fixed by the module for failover safety/);
    expect(validateOptions({ ...valid, recentWritesWindow: 0 }).recentWritesWindow).toBe(0);
    expect(validateOptions({ ...valid, redisOptions: { enableAutoPipelining: true } }).redisOptions).toEqual({ enableAutoPipelining: true });
  });

  it('never puts a password into the error message', () => {
    expect(() => validateOptions({ ...valid, password: 'hunter2-secret', ttl: -5 })).toThrow(/"ttl"/);
    try {
      validateOptions({ ...valid, password: 'hunter2-secret', ttl: -5 });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2-secret');
    }
  });
});

describe('resolved options never show a secret', () => {
  const secret = 'p4ss-w0rd-secret';
  const options = validateOptions({
    ...valid, password: secret, sentinelPassword: `${secret}-sentinel`,
    tls: { ca: 'public-ca', key: `${secret}-key`, passphrase: `${secret}-phrase` },
  });

  it('accepts a MeterProvider and keeps it out of printed options', async () => {
    const { inspect } = await import('node:util');
    const meterProvider = { getMeter: () => ({}), secretState: 'internal-provider-state' };
    const resolved = validateOptions({ ...valid, metrics: { meterProvider, enabled: true } });
    expect(resolved.metrics?.meterProvider).toBe(meterProvider);
    for (const text of [JSON.stringify(resolved), inspect(resolved, { depth: 5 })]) {
      expect(text).toContain('[MeterProvider]');
      expect(text).not.toContain('internal-provider-state');
    }
  });

  it('keeps the values usable by the module', () => {
    expect(options.password).toBe(secret);
    expect(options.tls?.key).toBe(`${secret}-key`);
  });

  it('redacts JSON.stringify, util.inspect and template output', async () => {
    const { inspect } = await import('node:util');
    for (const text of [JSON.stringify(options), inspect(options, { depth: 5 }), `${inspect(options)}`]) {
      expect(text).not.toContain(secret);
      expect(text).toContain('[redacted]');
      expect(text).toContain('public-ca');
    }
  });
});

describe('TLS files', () => {
  it('reads caFile/certFile/keyFile at start-up', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'rsc-tls-'));
    await writeFile(join(dir, 'ca.pem'), 'PEM-CA');
    const options = validateOptions({ ...valid, tls: { caFile: join(dir, 'ca.pem'), servername: 'redis' }, sentinelTLS: { caFile: join(dir, 'ca.pem') } });
    expect(String(options.tls?.ca)).toBe('PEM-CA');
    expect(options.tls?.servername).toBe('redis');
    expect(options.tls).not.toHaveProperty('caFile');
    expect(String(options.sentinelTLS?.ca)).toBe('PEM-CA');
  });

  it('fails start-up naming the option of an unreadable file', () => {
    expect(optionAtFault({ ...valid, tls: { caFile: '/nonexistent/ca.pem' } })).toBe('tls.caFile');
    expect(optionAtFault({ ...valid, sentinelTLS: { keyFile: '/nonexistent/key.pem' } })).toBe('sentinelTLS.keyFile');
    expect(() => validateOptions({ ...valid, tls: { certFile: '/nonexistent/cert.pem' } })).toThrow(/cannot read \/nonexistent\/cert\.pem \(ENOENT\)/);
  });
});
