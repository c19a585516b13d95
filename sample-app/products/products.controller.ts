import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, Post, UseInterceptors } from '@nestjs/common';
import { type Cache, CACHE_MANAGER, CacheInterceptor, CacheKey, CacheTTL } from '../../lib/index.js';
import { PRODUCTS_LIST_KEY, PRODUCTS_REPORT_KEY, productKey } from './products.cache-keys.js';
import { type ProductRow, ProductsService, type ProductUpdate } from './products.service.js';
import { ReportService } from '../reports/report.service.js';

function parseUpdate(body: unknown): ProductUpdate {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const update: ProductUpdate = {};
  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || input.name.length === 0 || input.name.length > 200) {
      throw new BadRequestException('name must be a non-empty string of at most 200 characters');
    }
    update.name = input.name;
  }
  if (input.price !== undefined) {
    if (typeof input.price !== 'number' || !Number.isFinite(input.price) || input.price < 0) {
      throw new BadRequestException('price must be a non-negative number');
    }
    update.price = input.price;
  }
  return update;
}

/**
 * Reads are cached by `CacheInterceptor` (GET only); the write updates the "database" first and then
 * deletes the cache keys that could hold the old value (cache-aside). A cache outage never turns into
 * an error here: the module fails open (a failed read is a miss, a failed DEL is remembered and
 * replayed when Redis is back), so the worst case is an uncached, slower answer.
 */
@Controller('products')
@UseInterceptors(CacheInterceptor)
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly reports: ReportService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  /** Cached under one key for 10 s: the first call computes, the next ones are served by Redis. */
  @Get()
  @CacheKey(PRODUCTS_LIST_KEY)
  @CacheTTL(10_000)
  list() {
    return this.products.list();
  }

  /** A slow computation memoised with `cache.wrap()` (not through the interceptor). */
  @Get('report')
  report() {
    return this.reports.productsReport();
  }

  /** Cached per URL (`/products/<id>`) with the module's default ttl. */
  @Get(':id')
  get(@Param('id') id: string) {
    return this.products.get(id);
  }

  /** Write, then invalidate: the next GET computes the new value. Answers once the DELs are done. */
  @Post(':id')
  @HttpCode(200)
  async update(@Param('id') id: string, @Body() body: unknown): Promise<ProductRow> {
    const row = this.products.upsert(id, parseUpdate(body));
    await this.cache.mdel([productKey(id), PRODUCTS_LIST_KEY, PRODUCTS_REPORT_KEY]);
    return row;
  }
}
