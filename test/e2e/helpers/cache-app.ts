import { Controller, Get, Module, Param, type INestApplication, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { Redis } from 'ioredis';
import {
  CACHE_MANAGER,
  REDIS_SENTINEL_CLIENT,
  CacheInterceptor,
  CacheKey,
  CacheTTL,
  RedisSentinelCacheModule,
  type RedisSentinelCacheModuleOptions,
} from '../../../lib/index.js';
import { appConnection } from '../../../scripts/topology/app-connection.js';
import type { Topology } from '../../../scripts/topology/topology.js';
import { CaptureLogger } from './capture-logger.js';

/** Module options for a topology, authenticating as the seed's app user `default` on both sides. */
export function optionsFor(topology: Topology, overrides: Partial<RedisSentinelCacheModuleOptions> = {}): RedisSentinelCacheModuleOptions {
  return { ...appConnection(topology), ...overrides };
}

let computed = 0;

@Controller('items')
@UseInterceptors(CacheInterceptor)
export class ItemsController {
  @Get('counter')
  @CacheKey('items-counter')
  @CacheTTL(60_000)
  counter() {
    computed += 1;
    return { computed };
  }

  @Get(':id')
  item(@Param('id') id: string) {
    computed += 1;
    return { id, computed };
  }
}

/** A Nest HTTP app with the cache module and one cached controller, logging into a CaptureLogger. */
export async function startCacheApp(options: RedisSentinelCacheModuleOptions): Promise<{ app: INestApplication; logger: CaptureLogger }> {
  const logger = new CaptureLogger();
  @Module({
    imports: [RedisSentinelCacheModule.forRoot({ logger, ...options, isGlobal: true })],
    controllers: [ItemsController],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  return { app, logger };
}

/** The module alone in a Nest application context (no HTTP), for store-level fault tests. */
export async function startCacheContext(options: RedisSentinelCacheModuleOptions) {
  const logger = new CaptureLogger();
  const app = await NestFactory.createApplicationContext(RedisSentinelCacheModule.forRoot({ logger, ...options }), {
    logger,
    abortOnError: false,
  });
  return { app, logger, cache: app.get<Cache>(CACHE_MANAGER), client: app.get<Redis>(REDIS_SENTINEL_CLIENT) };
}
