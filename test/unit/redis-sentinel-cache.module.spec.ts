import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { createServer } from 'node:net';
import {
  Cache,
  CACHE_MANAGER,
  InvalidOptionError,
  REDIS_SENTINEL_CACHE_OPTIONS,
  REDIS_SENTINEL_CLIENT,
  RedisSentinelCacheModule,
  type RedisSentinelCacheModuleOptions,
  type RedisSentinelCacheOptionsFactory,
} from '../../lib/index.js';

/** A loopback port nobody listens on: connections are refused at once, so no Redis is needed here. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
let port: number;
const options = (name: string): RedisSentinelCacheModuleOptions => ({
  sentinels: [{ host: '127.0.0.1', port }],
  name,
  startupTimeout: 200,
  logger: silent,
});

@Injectable()
class OptionsFactory implements RedisSentinelCacheOptionsFactory {
  createRedisSentinelCacheOptions() {
    return options('from-class');
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class ConfigModule {}

async function resolvedMasterName(module: ReturnType<typeof RedisSentinelCacheModule.forRoot>) {
  const app = await Test.createTestingModule({ imports: [module] }).compile();
  try {
    const client = app.get<Redis>(REDIS_SENTINEL_CLIENT);
    const cache = app.get(CACHE_MANAGER);
    expect(app.get(Cache)).toBe(cache);
    expect(typeof cache.get).toBe('function');
    return (client.options as { name?: string }).name;
  } finally {
    await app.close();
  }
}

describe('RedisSentinelCacheModule wiring', () => {
  beforeAll(async () => {
    port = await closedPort();
  });

  it('forRoot passes its options to the client and provides CACHE_MANAGER and Cache', async () => {
    expect(await resolvedMasterName(RedisSentinelCacheModule.forRoot(options('static')))).toBe('static');
  });

  it('forRootAsync with useFactory and inject', async () => {
    const module = RedisSentinelCacheModule.forRootAsync({
      imports: [ConfigModule],
      inject: [OptionsFactory],
      useFactory: (factory: OptionsFactory) => ({ ...factory.createRedisSentinelCacheOptions(), name: 'from-factory' }),
    });
    expect(await resolvedMasterName(module)).toBe('from-factory');
  });

  it('forRootAsync with useClass', async () => {
    expect(await resolvedMasterName(RedisSentinelCacheModule.forRootAsync({ useClass: OptionsFactory }))).toBe('from-class');
  });

  it('forRootAsync with useExisting', async () => {
    const module = RedisSentinelCacheModule.forRootAsync({ imports: [ConfigModule], useExisting: OptionsFactory });
    expect(await resolvedMasterName(module)).toBe('from-class');
  });

  it('forRootAsync takes extraProviders (as CacheModule.registerAsync does) for what inject names', async () => {
    const SETTINGS = 'test:settings';
    const module = RedisSentinelCacheModule.forRootAsync({
      extraProviders: [{ provide: SETTINGS, useValue: { masterName: 'from-extra-provider' } }],
      inject: [SETTINGS],
      useFactory: (settings: { masterName: string }) => ({ ...options('unused'), name: settings.masterName }),
    });
    expect(await resolvedMasterName(module)).toBe('from-extra-provider');
  });

  it('exports the options token: a consumer module injects the options as passed', async () => {
    @Injectable()
    class ReadsOptions {
      constructor(@Inject(REDIS_SENTINEL_CACHE_OPTIONS) readonly options: RedisSentinelCacheModuleOptions) {}
    }
    @Module({ providers: [ReadsOptions], exports: [ReadsOptions] })
    class FeatureModule {}
    for (const [cacheModule, feature] of [
      // global: the feature module does not import the cache module
      [RedisSentinelCacheModule.forRoot({ ...options('global-options'), isGlobal: true }), FeatureModule],
      // not global: the importing module sees what the cache module exports
      [RedisSentinelCacheModule.forRootAsync({ useFactory: () => options('async-options') }), undefined],
    ] as const) {
      const imports = feature ? [cacheModule, feature] : [cacheModule];
      const providers = feature ? [] : [ReadsOptions];
      @Module({ imports, providers })
      class AppModule {}
      const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
      try {
        expect(app.get(ReadsOptions).options.name).toBe(feature ? 'global-options' : 'async-options');
      } finally {
        await app.close();
      }
    }
  });

  it('isGlobal makes the module global', () => {
    expect(RedisSentinelCacheModule.forRoot({ ...options('g'), isGlobal: true }).global).toBe(true);
    expect(RedisSentinelCacheModule.forRoot(options('g')).global).toBe(false);
  });

  it('fails at start-up, not at the first request, on an invalid option', async () => {
    const module = RedisSentinelCacheModule.forRoot({ ...options('x'), ttl: -1 });
    await expect(Test.createTestingModule({ imports: [module] }).compile()).rejects.toThrow(InvalidOptionError);
    await expect(Test.createTestingModule({ imports: [module] }).compile()).rejects.toThrow(/"ttl"/);
  });

  it('starts within startupTimeout when no sentinel is reachable and closes every socket', async () => {
    const started = Date.now();
    const app = await Test.createTestingModule({ imports: [RedisSentinelCacheModule.forRoot(options('down'))] }).compile();
    expect(Date.now() - started).toBeLessThan(3000);
    const client = app.get<Redis>(REDIS_SENTINEL_CLIENT);
    await app.close();
    expect(client.status).toBe('end');
  });
});
