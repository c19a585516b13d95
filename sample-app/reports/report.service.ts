import { Inject, Injectable } from '@nestjs/common';
import { type Cache, CACHE_MANAGER } from '../../lib/index.js';
import { PRODUCTS_REPORT_KEY } from '../products/products.cache-keys.js';
import { ProductsService } from '../products/products.service.js';

export interface ProductsReport {
  products: number;
  totalPrice: number;
  maxVersion: number;
  computedAt: string;
  /** How long the computation took (the cached copy keeps the first value). */
  computeMs: number;
}

/** How long the "expensive" report takes to compute. */
export const REPORT_COMPUTE_MS = 200;

/** A slow computation memoised with `cache.wrap()`: concurrent callers share one computation. */
@Injectable()
export class ReportService {
  constructor(
    private readonly products: ProductsService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  productsReport(): Promise<ProductsReport> {
    // With the module's default onError 'fail-open', wrap() calls the function when Redis is down.
    return this.cache.wrap(PRODUCTS_REPORT_KEY, () => this.compute(), 30_000);
  }

  private async compute(): Promise<ProductsReport> {
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, REPORT_COMPUTE_MS));
    return { ...this.products.totals(), computedAt: new Date().toISOString(), computeMs: Date.now() - started };
  }
}
