import type { CacheEvents } from './cache-events.js';

/** The log lines of a failover followed and of a fence timeout, from the cache's events. */
export function logFailovers(events: CacheEvents, name: string, logger: { log(message: string): unknown; warn(message: string): unknown }): void {
  events.on('failover', (record) =>
    logger.log(
      `Failover of "${record.name}": now writing to ${record.to} (was ${record.from}; learnt by ${record.detectedBy}); ` +
        `reconnected in ${record.reconnectMs} ms, writes held ${record.fencedMs} ms (${record.heldWrites}).`,
    ),
  );
  events.on('fenceTimeout', ({ heldMs, reasons, resumeOn }) =>
    logger.warn(
      `Failover of "${name}": writes were held ${heldMs} ms (${reasons.join(', ')}) and the sentinels named no new ` +
        `master (failoverFenceTimeout); writes resume on ${resumeOn}.`,
    ),
  );
}
