import { CacheUnavailableError } from '../../../lib/errors/redis-sentinel-cache.errors.js';
import { forwardToListeners } from '../../../lib/events/cache-event-listeners.js';
import { CacheEvents } from '../../../lib/events/cache-events.js';
import type { FailoverRecord } from '../../../lib/interfaces/failover-record.interface.js';

describe('forwardToListeners', () => {
  it("calls the app's listeners for every failure and failover", () => {
    const events = new CacheEvents();
    const seen: string[] = [];
    forwardToListeners(
      events,
      { error: (error) => seen.push(`error ${error.reason}`), failover: (record) => seen.push(`failover ${record.to}`) },
      { error: () => undefined },
    );
    events.emit('unavailable', new CacheUnavailableError('get', 'timeout', 'no reply'));
    events.emit('failover', { to: '127.0.0.1:6380' } as FailoverRecord);
    expect(seen).toEqual(['error timeout', 'failover 127.0.0.1:6380']);
  });

  it('a listener that throws is logged and ignored: the emit (inside a cache call or a failover) does not throw', () => {
    const events = new CacheEvents();
    const logged: string[] = [];
    let after = 0;
    forwardToListeners(
      events,
      {
        error: () => {
          throw new Error('boom in error listener');
        },
        failover: () => {
          throw new TypeError('boom in failover listener');
        },
      },
      { error: (message) => logged.push(String(message)) },
    );
    events.on('unavailable', () => (after += 1));
    expect(() => events.emit('unavailable', new CacheUnavailableError('set', 'not-connected', 'down'))).not.toThrow();
    expect(() => events.emit('failover', { to: '127.0.0.1:6380' } as FailoverRecord)).not.toThrow();
    expect(after).toBe(1);
    expect(logged).toEqual([
      'listeners.error threw: boom in error listener (ignored; the cache goes on)',
      'listeners.failover threw: boom in failover listener (ignored; the cache goes on)',
    ]);
  });
});
