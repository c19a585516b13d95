import { type DynamicModule, Module } from '@nestjs/common';
import { RedisSentinelCacheModule, type RedisSentinelCacheModuleOptions } from '../lib/index.js';
import { ProductsModule } from './products/products.module.js';

@Module({})
export class AppModule {
  static forOptions(cache: RedisSentinelCacheModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [RedisSentinelCacheModule.forRoot({ ...cache, isGlobal: true }), ProductsModule],
    };
  }
}
