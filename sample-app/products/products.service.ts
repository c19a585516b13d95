import { Injectable, NotFoundException } from '@nestjs/common';

/** A row of the in-memory "database". `version` grows by one on every update. */
export interface ProductRow {
  id: string;
  name: string;
  price: number;
  version: number;
  updatedAt: string;
}

export interface Product extends ProductRow {
  /** When this response was computed: a cached response keeps its first value. */
  computedAt: string;
}

export interface ProductUpdate {
  name?: string;
  price?: number;
}

/** An in-memory "database" standing in for the slow source of truth the cache protects. */
@Injectable()
export class ProductsService {
  private readonly rows = new Map<string, ProductRow>(
    [
      { id: '1', name: 'Sentinel', price: 26_379 },
      { id: '2', name: 'Replica', price: 6_380 },
    ].map((row) => [row.id, { ...row, version: 1, updatedAt: new Date().toISOString() }]),
  );

  list(): Product[] {
    const computedAt = new Date().toISOString();
    return [...this.rows.values()].map((row) => ({ ...row, computedAt }));
  }

  get(id: string): Product {
    const row = this.rows.get(id);
    if (!row) throw new NotFoundException(`product ${id} not found`);
    return { ...row, computedAt: new Date().toISOString() };
  }

  /** Creates or updates a product; every call bumps its version. */
  upsert(id: string, update: ProductUpdate): ProductRow {
    const current = this.rows.get(id);
    const row: ProductRow = {
      id,
      name: update.name ?? current?.name ?? `product ${id}`,
      price: update.price ?? current?.price ?? 0,
      version: (current?.version ?? 0) + 1,
      updatedAt: new Date().toISOString(),
    };
    this.rows.set(id, row);
    return { ...row };
  }

  /** Totals over every product: the input of the slow report. */
  totals(): { products: number; totalPrice: number; maxVersion: number } {
    const rows = [...this.rows.values()];
    return {
      products: rows.length,
      totalPrice: rows.reduce((sum, row) => sum + row.price, 0),
      maxVersion: rows.reduce((max, row) => Math.max(max, row.version), 0),
    };
  }
}
