import { type DynamicModule, Module } from '@nestjs/common';
import { RedisSentinelCacheModule, type RedisSentinelCacheModuleOptions } from '../lib/index.js';
import { HealthModule } from './health/health.module.js';
import { ProductsModule } from './products/products.module.js';

/** The sample app: the cache module (global), the products routes and the health routes (GET /health, /health/live). */
@Module({})
export class AppModule {
  static forOptions(cache: RedisSentinelCacheModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [RedisSentinelCacheModule.forRoot({ ...cache, isGlobal: true }), ProductsModule, HealthModule],
    };
  }
}
