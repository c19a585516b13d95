import { Controller, Get, Inject, Query } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RedisSentinelHealthIndicator } from '../../lib/health/index.js';

/**
 * `GET /health`: readiness, Redis included (503 when the app cannot serve from Redis: not connected,
 * connected to a stale or demoted master, PING over 1 s, master unconfirmed).
 * `?timeout=<ms>` (1 to 10000, default 1000) bounds the check.
 * `GET /health/live`: liveness, independent of Redis (restarting the app does not fix Redis).
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(RedisSentinelHealthIndicator) private readonly redis: RedisSentinelHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  readiness(@Query('timeout') timeout?: string) {
    const ms = Number(timeout);
    const bound = Number.isInteger(ms) && ms >= 1 && ms <= 10_000 ? ms : 1_000;
    return this.health.check([() => this.redis.isHealthy('redis', { timeout: bound })]);
  }

  @Get('live')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }
}
