/** Cache keys of the products routes, in one place so writes can invalidate exactly what reads cache. */
export const PRODUCTS_LIST_KEY = 'products:all';
export const PRODUCTS_REPORT_KEY = 'products:report';

/** `CacheInterceptor` caches a GET without `@CacheKey` under its URL: `/products/<id>`. */
export function productKey(id: string): string {
  return `/products/${id}`;
}
