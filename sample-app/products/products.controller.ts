import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { CacheInterceptor, CacheKey, CacheTTL } from '../../lib/index.js';
import { ProductsService } from './products.service.js';

@Controller('products')
@UseInterceptors(CacheInterceptor)
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  /** Cached under one key for 10 s: the first call computes, the next ones are served by Redis. */
  @Get()
  @CacheKey('products:all')
  @CacheTTL(10_000)
  list() {
    return this.products.list();
  }

  /** Cached per URL with the module's default ttl. */
  @Get(':id')
  get(@Param('id') id: string) {
    return this.products.get(id);
  }
}
