import { WriteFence } from '../../../lib/master/write-fence.js';

describe('WriteFence', () => {
  it('stands while any reason stands; lowering one reason leaves the others', () => {
    const changes: boolean[] = [];
    const fence = new WriteFence(10_000, () => undefined, (raised) => changes.push(raised));
    fence.raise('sentinel A');
    fence.raise('replica connection lost');
    fence.lower('sentinel B'); // an abort from a sentinel that did not raise it
    expect(fence.raised).toBe(true);
    fence.lower('sentinel A');
    expect(fence.raised).toBe(true);
    expect(fence.raisedBy).toEqual(['replica connection lost']);
    fence.lower('replica connection lost');
    expect(fence.raised).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('counts the writes it held and reports how long it stood', async () => {
    const fence = new WriteFence(10_000, () => undefined, () => undefined);
    fence.noteHeld(); // not raised: not counted
    fence.raise('x');
    fence.noteHeld();
    fence.noteHeld();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { heldMs, writes } = fence.lowerAll();
    expect(writes).toBe(2);
    expect(heldMs).toBeGreaterThanOrEqual(15);
    expect(fence.lowerAll()).toEqual({ heldMs: 0, writes: 0 });
  });

  it('calls onTimeout after `timeout` ms standing', async () => {
    const timeouts: number[] = [];
    const fence = new WriteFence(30, (heldMs) => timeouts.push(heldMs), () => undefined);
    fence.raise('x');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toBeGreaterThanOrEqual(25);
    fence.lowerAll();
  });
});
