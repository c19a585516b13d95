import { HungMasterDetector } from '../../../lib/master/hung-master.detector.js';

describe('HungMasterDetector', () => {
  it('does not count one slow command after an idle period as a hung master', () => {
    const reconnects: number[] = [];
    const detector = new HungMasterDetector(2_000, (silent) => reconnects.push(silent));
    // Idle for a minute, then one command that has waited 1.1 s (one commandTimeout).
    detector.sent(100_000);
    expect(detector.check(101_100)).toBe(102_000);
    expect(reconnects).toEqual([]);
  });

  it('reconnects once no reply came for hungAfter since the oldest waiting command', () => {
    const reconnects: number[] = [];
    const detector = new HungMasterDetector(2_000, (silent) => reconnects.push(silent));
    detector.sent(0);
    detector.sent(500);
    detector.answered(0); // the first answered: the silence counts from the second
    expect(detector.check(2_100)).toBe(2_500);
    expect(detector.check(2_600)).toBeUndefined();
    expect(reconnects).toEqual([2_100]);
  });

  it('forgets what waited on a closed connection', () => {
    const reconnects: number[] = [];
    const detector = new HungMasterDetector(2_000, (silent) => reconnects.push(silent));
    detector.sent(0);
    detector.reset();
    expect(detector.check(10_000)).toBeUndefined();
    expect(reconnects).toEqual([]);
  });
});
