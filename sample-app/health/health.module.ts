import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RedisSentinelHealthIndicator } from '../../lib/health/index.js';
import { HealthController } from './health.controller.js';

/**
 * Health endpoints of the sample app. Needs the connection of `RedisSentinelCacheModule` in scope:
 * the sample registers that module with `isGlobal: true` (otherwise import it here too).
 */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [RedisSentinelHealthIndicator],
})
export class HealthModule {}
