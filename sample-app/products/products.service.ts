import { Injectable, NotFoundException } from '@nestjs/common';

export interface Product {
  id: string;
  name: string;
  price: number;
  /** When this response was computed: a cached response keeps its first value. */
  computedAt: string;
}

/** An in-memory "database" standing in for a slow data source. */
@Injectable()
export class ProductsService {
  private readonly rows = new Map<string, Omit<Product, 'computedAt'>>([
    ['1', { id: '1', name: 'Sentinel', price: 26_379 }],
    ['2', { id: '2', name: 'Replica', price: 6_380 }],
  ]);

  list(): Product[] {
    return [...this.rows.values()].map((row) => ({ ...row, computedAt: new Date().toISOString() }));
  }

  get(id: string): Product {
    const row = this.rows.get(id);
    if (!row) throw new NotFoundException(`product ${id} not found`);
    return { ...row, computedAt: new Date().toISOString() };
  }
}
