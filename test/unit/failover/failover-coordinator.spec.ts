import { FailoverCoordinator } from '../../../lib/failover/failover-coordinator.js';
import { validateOptions } from '../../../lib/options/validate-options.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const old = { host: '10.0.0.1', port: 6379 };
const fresh = { host: '10.0.0.2', port: 6379 };

function coordinator(extra: Record<string, unknown> = {}) {
  const options = validateOptions({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'primary', ...extra });
  return new FailoverCoordinator(options, silent);
}

describe('FailoverCoordinator (no client attached)', () => {
  it('raises the write fence when a replica is selected, lowers it on abort', () => {
    const subject = coordinator();
    subject.handle({ kind: 'promoting', name: 'primary', replica: fresh });
    expect(subject.fence.raised).toBe(true);
    expect(subject.failoverInProgress).toBe(true);
    subject.handle({ kind: 'abort', name: 'primary', reason: 'failover-abort-not-elected' });
    expect(subject.fence.raised).toBe(false);
  });

  it('after +switch-master, redirects a sentinel answer naming the old master to the announced one', () => {
    const subject = coordinator();
    expect(subject.natMap('10.0.0.1:6379')).toBeNull(); // nothing announced: ioredis keeps the answer
    subject.handle({ kind: 'switch', name: 'primary', from: old, to: fresh });
    expect(subject.natMap('10.0.0.1:6379')).toEqual(fresh);
    expect(subject.natMap('10.0.0.3:26379')).toBeNull(); // sentinels and other nodes untouched
  });

  it("applies the user's natMap after the redirect", () => {
    const subject = coordinator({ natMap: { '10.0.0.2:6379': { host: '127.0.0.1', port: 16380 } } });
    subject.handle({ kind: 'switch', name: 'primary', from: old, to: fresh });
    expect(subject.natMap('10.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 16380 });
  });

  it('reconnects at once only for the first attempt after a switch, then backs off (capped)', () => {
    const subject = coordinator({ maxReconnectDelay: 200 });
    subject.handle({ kind: 'switch', name: 'primary', from: old, to: fresh });
    expect(subject.retryStrategy(1)).toBe(0);
    const next = subject.retryStrategy(1);
    expect(next).toBeGreaterThanOrEqual(25);
    expect(subject.retryStrategy(20)).toBeLessThanOrEqual(220);
  });

  it('ignores the same switch announced again by the other sentinels', () => {
    const subject = coordinator();
    subject.handle({ kind: 'switch', name: 'primary', from: old, to: fresh });
    subject.retryStrategy(1);
    subject.handle({ kind: 'switch', name: 'primary', from: old, to: fresh });
    expect(subject.retryStrategy(1)).toBeGreaterThan(0); // no second fast path: it was not a new switch
  });
});
