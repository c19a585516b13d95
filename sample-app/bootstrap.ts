import 'reflect-metadata';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { RedisSentinelCacheModuleOptions } from '../lib/index.js';
import { AppModule } from './app.module.js';

export interface SampleAppOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Nest's logger, also the cache module's unless `cache.logger` is set. */
  logger?: LoggerService;
}

/** Creates the sample app and listens; returns it with the URL it serves on. Used by main.ts and the e2e tests. */
export async function startSampleApp(
  cache: RedisSentinelCacheModuleOptions,
  options: SampleAppOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  const { logger } = options;
  const app = await NestFactory.create(AppModule.forOptions(logger && !cache.logger ? { ...cache, logger } : cache), {
    logger: logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen(options.port ?? 0, host);
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` };
}
