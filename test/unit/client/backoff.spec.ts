import { backoff } from '../../../lib/client/backoff.js';

describe('backoff', () => {
  it('doubles from the base and stays within the cap plus 10% jitter', () => {
    const delay = backoff(25, 250);
    const samples = [1, 2, 3, 4, 5, 10, 100].map((attempt) => delay(attempt));
    expect(samples[0]).toBeGreaterThanOrEqual(25);
    expect(samples[0]).toBeLessThanOrEqual(28);
    expect(samples[2]).toBeGreaterThanOrEqual(100);
    expect(samples[2]).toBeLessThanOrEqual(110);
    for (const sample of samples.slice(4)) {
      expect(sample).toBeGreaterThanOrEqual(250);
      expect(sample).toBeLessThanOrEqual(275);
    }
  });
});
