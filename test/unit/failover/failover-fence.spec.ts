import { FailoverFence } from '../../../lib/failover/failover-fence.js';

describe('FailoverFence', () => {
  it('lets writes through at once when no failover is in progress', () => {
    const fence = new FailoverFence(1000, () => undefined);
    expect(fence.whenOpen()).toBeUndefined();
    expect(fence.raised).toBe(false);
  });

  it('holds writes until released and counts them', async () => {
    const fence = new FailoverFence(10_000, () => undefined);
    fence.begin();
    let passed = 0;
    const writes = [fence.whenOpen(), fence.whenOpen()].map((wait) => wait?.then(() => (passed += 1)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(passed).toBe(0);
    expect(fence.release().writes).toBe(2);
    await Promise.all(writes);
    expect(passed).toBe(2);
    expect(fence.raised).toBe(false);
  });

  it('lowers itself after the timeout and reports it', async () => {
    const timeouts: Array<[number, number]> = [];
    const fence = new FailoverFence(30, (heldMs, writes) => timeouts.push([heldMs, writes]));
    fence.begin();
    await fence.whenOpen();
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]?.[0]).toBeGreaterThanOrEqual(25);
    expect(timeouts[0]?.[1]).toBe(1);
    expect(fence.raised).toBe(false);
  });

  it('begin() while raised keeps the first deadline', () => {
    const fence = new FailoverFence(10_000, () => undefined);
    fence.begin();
    const first = fence.whenOpen();
    fence.begin();
    expect(fence.whenOpen()).toBe(first);
    fence.release();
  });
});
