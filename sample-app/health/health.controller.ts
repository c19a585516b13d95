import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RedisSentinelHealthIndicator } from '../../lib/health/index.js';

/**
 * `GET /health`: readiness, Redis included (503 when the app cannot serve from Redis: not connected,
 * connected to a stale or demoted master, PING over 1 s, master unconfirmed).
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
  readiness() {
    return this.health.check([() => this.redis.isHealthy('redis', { timeout: 1_000 })]);
  }

  @Get('live')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }
}
