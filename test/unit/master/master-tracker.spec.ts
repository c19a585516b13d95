import { EventEmitter } from 'node:events';
import { MasterTracker } from '../../../lib/master/master-tracker.js';
import { validateOptions } from '../../../lib/options/validate-options.js';
import type { MasterView, PollRound, SentinelMasterPoller } from '../../../lib/sentinel/sentinel-master.poller.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };

/** The sentinels as the tracker sees them: rounds the test hands out. */
class FakePoller extends EventEmitter<{ round: [PollRound] }> {
  polls = 0;
  interval = 0;
  next: MasterView[] = [];
  async poll(): Promise<PollRound> {
    this.polls += 1;
    await new Promise((resolve) => setImmediate(resolve)); // a round trip
    return this.round(this.next);
  }
  round(views: MasterView[], asked = 3): PollRound {
    const round = { views, asked, denied: [] };
    this.emit('round', round);
    return round;
  }
  setInterval(ms: number): void {
    this.interval = ms;
  }
  close(): void {}
}

const view = (address: { host: string; port: number }, epoch: number, failingOver = false, sentinel = 's'): MasterView => ({
  sentinel, address, epoch, failingOver,
});

function tracker(extra: Record<string, unknown> = {}) {
  const options = validateOptions({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'primary', ...extra });
  const poller = new FakePoller();
  const subject = new MasterTracker(options, silent, poller as unknown as SentinelMasterPoller);
  const failovers: unknown[] = [];
  subject.on('failover', (record) => failovers.push(record));
  poller.round([view(A, 0), view(A, 0), view(A, 0)]);
  return { subject, poller, failovers };
}

describe('MasterTracker (no client attached)', () => {
  it('names the master from the first round', () => {
    const { subject } = tracker();
    expect(subject.master).toEqual(A);
    expect(subject.failoverInProgress).toBe(false);
  });

  it('only the sentinel that raised the fence can lower it with an abort', () => {
    const { subject } = tracker();
    subject.onSentinelEvent({ kind: 'promoting', name: 'primary', replica: B }, '127.0.0.1:26379');
    expect(subject.fence.raised).toBe(true);
    subject.onSentinelEvent({ kind: 'abort', name: 'primary', reason: 'failover-abort-not-elected' }, '127.0.0.1:26380');
    expect(subject.fence.raised).toBe(true);
    subject.onSentinelEvent({ kind: 'abort', name: 'primary', reason: 'failover-abort-slave-timeout' }, '127.0.0.1:26379');
    expect(subject.fence.raised).toBe(false);
  });

  it('ignores events of another master group', () => {
    const { subject } = tracker();
    subject.onSentinelEvent({ kind: 'promoting', name: 'other', replica: B }, 's1');
    expect(subject.fence.raised).toBe(false);
  });

  it('a lost replica watch raises the fence and asks the sentinels at once; a majority seeing no failover lowers it', async () => {
    const { subject, poller } = tracker();
    poller.next = [view(A, 0), view(A, 0), view(A, 0)];
    const before = poller.polls;
    subject.onReplicaLost(B);
    expect(subject.fence.raised).toBe(true);
    expect(poller.polls).toBe(before + 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(subject.fence.raised).toBe(false);
  });

  it('keeps the fence while a sentinel leads a failover of the current master, and polls fast meanwhile', () => {
    const { subject, poller } = tracker();
    subject.onReplicaLost(B);
    poller.round([view(A, 0, true), view(A, 0), view(A, 0)]);
    expect(subject.fence.raised).toBe(true);
    expect(poller.interval).toBe(20);
    // Only one of three sentinels answers, and sees nothing: not enough to lower it.
    poller.round([view(A, 0)]);
    expect(subject.fence.raised).toBe(true);
  });

  it('follows the newest config epoch: a leader still naming the old master at that epoch does not win', () => {
    const { subject, poller, failovers } = tracker();
    poller.round([view(A, 1, true), view(B, 1), view(A, 0)]);
    expect(subject.master).toEqual(B);
    expect(subject.failoverInProgress).toBe(true); // switching until the client is usable there
    poller.round([view(A, 1, true)]); // the leader alone: no switch back
    expect(subject.master).toEqual(B);
    expect(failovers).toEqual([]); // recorded when the client is usable on B (needs a client)
  });

  it('a +switch-master repeated by every sentinel, or by one rejoining later, is one switch', () => {
    const { subject } = tracker();
    subject.onSentinelEvent({ kind: 'switch', name: 'primary', from: A, to: B }, 's1');
    const retry = subject.retryStrategy(1);
    subject.onSentinelEvent({ kind: 'switch', name: 'primary', from: A, to: B }, 's2');
    subject.onSentinelEvent({ kind: 'switch', name: 'primary', from: A, to: { host: '10.0.0.2', port: 6379 } }, 's3');
    expect(retry).toBe(0); // the reconnect after a switch goes at once
    expect(subject.master).toEqual(B);
  });

  it('compares announced host names without case or IPv4-mapped prefixes', () => {
    const { subject, poller } = tracker();
    subject.onSentinelEvent({ kind: 'switch', name: 'primary', from: A, to: { host: 'Redis-2.local', port: 6379 } }, 's1');
    poller.round([view({ host: 'redis-2.local', port: 6379 }, 1)]);
    expect(subject.master).toEqual({ host: 'Redis-2.local', port: 6379 });
  });

  it('while switching, a connection attempt goes straight to the named master without asking', async () => {
    const { subject, poller } = tracker();
    subject.onSentinelEvent({ kind: 'switch', name: 'primary', from: A, to: B }, 's1');
    const polls = poller.polls;
    await expect(subject.targetForConnect(() => true, () => undefined)).resolves.toEqual(B);
    expect(poller.polls).toBe(polls);
  });

  it('at a switch, drops the socket to the old master instead of closing it gracefully (a hung master never answers the close)', () => {
    const { subject } = tracker();
    const stream = { destroyed: false, destroy() { this.destroyed = true; } };
    let disconnects = 0;
    const client = Object.assign(new EventEmitter(), { status: 'ready', stream, disconnect: () => (disconnects += 1) });
    subject.attach(client as unknown as Parameters<MasterTracker['attach']>[0]);
    subject.onSentinelEvent({ kind: 'switch', name: 'primary', from: A, to: B }, 's1');
    // disconnect(true) would end the socket and wait disconnectTimeout for the peer's FIN.
    expect({ destroyed: stream.destroyed, disconnects }).toEqual({ destroyed: true, disconnects: 0 });
    subject.close();
  });

  it('with no sentinel answering, keeps connecting to the last master named', async () => {
    const { subject, poller } = tracker();
    poller.next = [];
    await expect(subject.targetForConnect(() => true, () => undefined)).resolves.toEqual(A);
  });

  it('with failoverDetector off, a sentinel reporting a failover does not hold writes', () => {
    const { subject, poller } = tracker({ failoverDetector: false });
    poller.round([view(A, 0, true), view(A, 0), view(A, 0)]);
    expect(subject.fence.raised).toBe(false);
  });

  it('lowers the fence after failoverFenceTimeout when the sentinels name no new master', async () => {
    const { subject } = tracker({ failoverFenceTimeout: 40 });
    const timeouts: unknown[] = [];
    subject.on('fenceTimeout', (event) => timeouts.push(event));
    subject.onSentinelEvent({ kind: 'promoting', name: 'primary', replica: B }, 's1');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(subject.fence.raised).toBe(false);
    expect(timeouts).toHaveLength(1);
    subject.close();
  });
});
