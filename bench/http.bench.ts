/**
 * Part 2: HTTP. The sample app's `GET /products/1` (cached per URL by `CacheInterceptor`), three ways,
 * all from the sample app's own `AppModule.forOptions()`:
 * - `redis`: as shipped (CacheInterceptor -> CACHE_MANAGER of RedisSentinelCacheModule -> Redis);
 * - `memory`: CACHE_MANAGER replaced by cache-manager's in-memory store (`createCache()`, what
 *   `CacheModule.register()` gives);
 * - `uncached`: CacheInterceptor replaced by a pass-through interceptor (the handler runs every time).
 * and, with a handler that costs 2 ms of CPU (ProductsService.get made slow, as a real query or
 * rendering would be), `redis-2ms` and `uncached-2ms`: what the cache buys when the handler is not free.
 * Load: autocannon in a child process (so it does not share the app's event loop), the contenders
 * interleaved, order rotated each round; medians over rounds.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { CallHandler, ExecutionContext, INestApplication, NestInterceptor } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createCache } from 'cache-manager';
import type { Observable } from 'rxjs';
import { CACHE_MANAGER, CacheInterceptor } from '../lib/index.js';
import { AppModule } from '../sample-app/app.module.js';
import { ProductsService } from '../sample-app/products/products.service.js';
import type { Topology } from '../scripts/topology/topology.js';
import { moduleOptions } from './contenders.js';
import { bounded, errorText, onCleanup, QuietLogger, sleep } from './lifecycle.js';
import { median, round } from './stats.js';

export type HttpContenderName = 'redis' | 'memory' | 'uncached' | 'redis-2ms' | 'uncached-2ms';
export const HTTP_CONTENDERS: readonly HttpContenderName[] = ['redis', 'memory', 'uncached', 'redis-2ms', 'uncached-2ms'];
export const HTTP_LABELS: Record<HttpContenderName, string> = {
  redis: 'cached, RedisSentinelCacheModule',
  memory: 'cached, in-memory store',
  uncached: 'uncached (no interceptor)',
  'redis-2ms': 'handler costs 2 ms: cached, RedisSentinelCacheModule',
  'uncached-2ms': 'handler costs 2 ms: uncached',
};
/** CPU time of the slow handler of the `-2ms` variants. */
export const SLOW_HANDLER_MS = 2;
export const TARGET_REDIS_VS_MEMORY = 0.95;
export const TARGET_SLOW_CACHED_VS_UNCACHED = 5;
export const HTTP_PATH = '/products/1';

export interface HttpBenchSettings {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
}

export interface AutocannonRun {
  requestsPerSec: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface HttpBenchResult {
  settings: HttpBenchSettings;
  path: string;
  contenders: Record<HttpContenderName, { requestsPerSec: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; rounds: AutocannonRun[] }>;
  /** Median over rounds of redis req/s divided by the other's in the same round. */
  redisVsMemory: number;
  redisVsUncached: number;
  /** The same with the 2 ms handler: cached (Redis) ÷ uncached. */
  slowRedisVsUncached: number;
}

/** ProductsService whose get() first burns `SLOW_HANDLER_MS` of CPU. */
class SlowProductsService extends ProductsService {
  override get(id: string) {
    const until = performance.now() + SLOW_HANDLER_MS;
    while (performance.now() < until) {
      // busy: a handler that costs CPU, not one that waits
    }
    return super.get(id);
  }
}

class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

async function startVariant(topology: Topology, variant: HttpContenderName): Promise<{ url: string; app: INestApplication; close: () => Promise<void> }> {
  const logger = new QuietLogger(true);
  const cacheOptions = moduleOptions(topology, { namespace: 'sample', ttl: 60_000, logger });
  let builder = Test.createTestingModule({ imports: [AppModule.forOptions(cacheOptions)] });
  if (variant === 'memory') builder = builder.overrideProvider(CACHE_MANAGER).useValue(createCache({ ttl: 60_000 }));
  if (variant === 'uncached' || variant === 'uncached-2ms') builder = builder.overrideInterceptor(CacheInterceptor).useValue(new PassThroughInterceptor());
  if (variant.endsWith('-2ms')) builder = builder.overrideProvider(ProductsService).useClass(SlowProductsService);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger, abortOnError: false });
  const close = onCleanup(`http ${variant}: app.close()`, () => app.close());
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, app, close };
}

/** Checks that the variant does what it says: cached ones answer from the cache, uncached recomputes. */
async function sanityCheck(url: string, variant: HttpContenderName): Promise<void> {
  const fetchProduct = async () => {
    const response = await bounded(fetch(`${url}${HTTP_PATH}`), 5_000, `GET ${HTTP_PATH}`);
    if (response.status !== 200) throw new Error(`${variant}: GET ${HTTP_PATH} answered ${response.status}`);
    return (await response.json()) as { id?: string; computedAt?: string };
  };
  const first = await fetchProduct();
  if (first.id !== '1') throw new Error(`${variant}: unexpected body ${JSON.stringify(first)}`);
  await sleep(20);
  const second = await fetchProduct();
  const cached = second.computedAt === first.computedAt;
  const uncached = variant.startsWith('uncached');
  if (cached !== !uncached) {
    throw new Error(`${variant}: expected the response to be ${uncached ? 'recomputed' : 'served from the cache'}`);
  }
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon');

/** One autocannon run in a child process, killed if it overruns. */
export function autocannon(url: string, connections: number, durationSec: number): Promise<AutocannonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [autocannonBin, '-j', '-n', '-c', String(connections), '-d', String(durationSec), url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stop = onCleanup('autocannon child', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (durationSec + 20) * 1000);
    child.on('error', (error) => {
      clearTimeout(killer);
      void stop();
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      void stop();
      if (code !== 0) return reject(new Error(`autocannon exited with ${code ?? signal}: ${stderr.slice(-500)}`));
      try {
        const json = JSON.parse(stdout) as {
          requests: { average: number; total: number };
          latency: { p50: number; p99: number };
          non2xx: number;
          errors: number;
          timeouts: number;
        };
        resolve({
          requestsPerSec: round(json.requests.average, 0),
          total: json.requests.total,
          p50Ms: json.latency.p50,
          p99Ms: json.latency.p99,
          non2xx: json.non2xx,
          errors: json.errors,
          timeouts: json.timeouts,
        });
      } catch (error) {
        reject(new Error(`autocannon output is not JSON (${errorText(error)}): ${stdout.slice(0, 300)}`));
      }
    });
  });
}

export async function runHttpBench(topology: Topology, settings: HttpBenchSettings, log: (line: string) => void): Promise<HttpBenchResult> {
  const started: Array<{ variant: HttpContenderName; url: string; close: () => Promise<void> }> = [];
  try {
    for (const variant of HTTP_CONTENDERS) {
      const { url, close } = await startVariant(topology, variant);
      started.push({ variant, url, close });
      await sanityCheck(url, variant);
    }
    const urlOf = (variant: HttpContenderName) => `${started.find((s) => s.variant === variant)!.url}${HTTP_PATH}`;
    for (const variant of HTTP_CONTENDERS) await autocannon(urlOf(variant), settings.connections, settings.warmupSec);
    const runs = new Map<HttpContenderName, AutocannonRun[]>(HTTP_CONTENDERS.map((v) => [v, []]));
    for (let roundIndex = 0; roundIndex < settings.rounds; roundIndex += 1) {
      const shift = roundIndex % HTTP_CONTENDERS.length;
      const order = [...HTTP_CONTENDERS.slice(shift), ...HTTP_CONTENDERS.slice(0, shift)];
      for (const variant of order) {
        const run = await autocannon(urlOf(variant), settings.connections, settings.durationSec);
        runs.get(variant)!.push(run);
      }
      log(`  http round ${roundIndex + 1}/${settings.rounds}: ` + order.map((v) => `${v} ${runs.get(v)!.at(-1)!.requestsPerSec} req/s`).join(', '));
    }
    const contenders = Object.fromEntries(
      HTTP_CONTENDERS.map((variant) => {
        const list = runs.get(variant)!;
        return [
          variant,
          {
            requestsPerSec: round(median(list.map((r) => r.requestsPerSec)), 0),
            p50Ms: round(median(list.map((r) => r.p50Ms)), 2),
            p99Ms: round(median(list.map((r) => r.p99Ms)), 2),
            non2xx: list.reduce((t, r) => t + r.non2xx, 0),
            errors: list.reduce((t, r) => t + r.errors + r.timeouts, 0),
            rounds: list,
          },
        ];
      }),
    ) as HttpBenchResult['contenders'];
    const vs = (other: HttpContenderName, ours: HttpContenderName = 'redis') =>
      round(median(runs.get(ours)!.map((r, i) => r.requestsPerSec / runs.get(other)![i]!.requestsPerSec)), 3);
    return {
      settings,
      path: HTTP_PATH,
      contenders,
      redisVsMemory: vs('memory'),
      redisVsUncached: vs('uncached'),
      slowRedisVsUncached: vs('uncached-2ms', 'redis-2ms'),
    };
  } finally {
    for (const { close } of started.reverse()) await close();
  }
}
