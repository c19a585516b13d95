import { RecentWrites } from '../../../lib/store/recent-writes.js';

describe('RecentWrites', () => {
  it('hands over the keys written within the window, once', () => {
    const recent = new RecentWrites(1_000, 100);
    recent.note(['old'], 0);
    recent.note(['a', 'b'], 1_500);
    recent.note(['a'], 1_800); // re-written: still once
    expect(recent.take(2_100)).toEqual({ keys: ['b', 'a'], clear: false });
    expect(recent.take(2_100)).toEqual({ keys: [], clear: false });
  });

  it('asks for a clear after a recent clear(), or when it had to forget keys of the window', () => {
    const cleared = new RecentWrites(1_000, 100);
    cleared.note(['a'], 0);
    cleared.noteClear(100);
    expect(cleared.take(500)).toEqual({ keys: [], clear: true });
    const full = new RecentWrites(1_000, 2);
    full.note(['a', 'b', 'c'], 0);
    expect(full.size).toBe(2);
    expect(full.take(500)).toEqual({ keys: [], clear: true });
    // Outside the window the truncation no longer matters.
    full.note(['a', 'b', 'c'], 0);
    expect(full.take(5_000)).toEqual({ keys: [], clear: false });
  });

  it('prunes lazily, but never counts keys past the window against maxKeys', () => {
    const recent = new RecentWrites(1_000, 2);
    recent.note(['a'], 0);
    recent.note(['b'], 900);
    recent.note(['c'], 1_050); // 'a' left the window: dropped, nothing of the window forgotten
    expect(recent.take(1_100)).toEqual({ keys: ['b', 'c'], clear: false });
  });

  it('remembers nothing with a window of 0', () => {
    const off = new RecentWrites(0, 100);
    off.note(['a']);
    off.noteClear();
    expect(off.take()).toEqual({ keys: [], clear: false });
  });
});
