import type { Cache } from 'cache-manager';
import { sleep } from './timing.js';

/**
 * Writes `fo-<i>` = i through the cache every 5 ms (at most 20,000 writes) until `stop()`, recording
 * which keys the cache answered for (and when) and how many writes were rejected: the evidence of a
 * failover test. Under fail-open a write that failed also answers; its key is then invalidated.
 */
export function startWriteLoop(cache: Cache) {
  const acked: Array<{ key: string; value: number; at: number }> = [];
  let failed = 0;
  let running = true;
  const done = (async () => {
    for (let i = 0; running && i < 20_000; i += 1) {
      const key = `fo-${i}`;
      try {
        await cache.set(key, i, 120_000);
        acked.push({ key, value: i, at: Date.now() });
      } catch {
        failed += 1;
      }
      await sleep(5);
    }
  })();
  return {
    acked,
    get failed() {
      return failed;
    },
    async stop(): Promise<void> {
      running = false;
      await done;
    },
  };
}
