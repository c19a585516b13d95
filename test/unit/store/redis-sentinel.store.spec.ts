import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { CacheErrorReporter } from '../../../lib/client/cache-error-reporter.js';
import { validateOptions } from '../../../lib/options/validate-options.js';
import { RedisSentinelStore, type StoreMaster } from '../../../lib/store/redis-sentinel.store.js';
import { startTopology, type Topology } from '../../../scripts/topology/topology.js';

/** The master tracker as the store sees it, driven by the test. */
class FakeMaster extends EventEmitter implements StoreMaster {
  usable = true;
  fenced = false;
  at = { host: '127.0.0.1', port: 1 };
  switches = 0;
  readable = () => this.usable;
  writable = () => this.usable && !this.fenced;
  unusableSince = () => undefined;
  usableOn = () => (this.usable ? { master: this.at, switches: this.switches } : undefined);
  noteHeld = () => undefined;
  onReadonly = () => undefined;
  sent = () => undefined;
  answered = () => undefined;
  check = () => undefined;
  fence(raised: boolean): void {
    this.fenced = raised;
    this.emit('fence', raised);
  }
  /** The client is usable again, after `switches` switches. */
  usableAgain(switches: number): void {
    this.switches = switches;
    this.emit('usable', this.at, switches);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisSentinelStore over a real master (the tracker played by the test)', () => {
  let topology: Topology;
  let client: Redis;
  let admin: (...args: Array<string | number>) => Promise<unknown>;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'fixed' });
    const master = await topology.currentMaster();
    admin = (...args) => topology.adminCommand(master, ...args);
    client = new Redis({ ...master, username: 'admin', password: topology.password, lazyConnect: true });
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await topology?.stop();
  });

  function store(extra: { recentWritesWindow?: number; commandTimeout?: number } = {}) {
    const master = new FakeMaster();
    const options = validateOptions({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'primary', errorLogInterval: 60_000 });
    const reporter = new CacheErrorReporter(options, { warn: () => undefined }, { master: () => undefined, failoverInProgress: () => false });
    const subject = new RedisSentinelStore({
      client, master, reporter, failOpen: true, maxValueSize: 1_000_000, commandTimeout: extra.commandTimeout ?? 1_000,
      recentWritesWindow: extra.recentWritesWindow ?? 10_000, maxRecentWrites: 1_000, maxPendingInvalidations: 1_000,
      close: async () => undefined,
    });
    subject.namespace = 'st';
    return { subject, master };
  }

  it('a write held past commandTimeout reports failure, is never sent, and its old value is deleted as soon as writes go', async () => {
    const { subject, master } = store({ commandTimeout: 100 });
    await subject.set('st:held', 'v1');
    master.fence(true);
    expect(await subject.set('st:held', 'v2')).toBe(false); // fail-open: not acknowledged
    expect(await subject.get('st:held')).toBeUndefined(); // this instance never serves v1 again
    expect(await admin('GET', 'st:held')).toBe('v1'); // still in Redis while writes are held
    master.fence(false);
    await sleep(50);
    expect(await admin('EXISTS', 'st:held')).toBe(0); // invalidated, v2 never written
    expect(subject.pendingInvalidations).toBe(0);
  });

  it('after a switch, deletes the keys acknowledged within recentWritesWindow on the new master', async () => {
    const { subject, master } = store();
    await subject.set('st:recent', 'acked');
    master.usable = false;
    master.emit('unusable');
    master.usable = true;
    master.usableAgain(1);
    await sleep(50);
    expect(await admin('EXISTS', 'st:recent')).toBe(0);
    // Written after the switch: kept.
    await subject.set('st:after', 'kept');
    master.usableAgain(1); // a reconnect to the same master, no switch in between
    await sleep(50);
    expect(await admin('GET', 'st:after')).toBe('kept');
  });

  it('with recentWritesWindow 0, a switch invalidates nothing', async () => {
    const { subject, master } = store({ recentWritesWindow: 0 });
    await subject.set('st:window-off', 'acked');
    master.usableAgain(1);
    await sleep(50);
    expect(await admin('GET', 'st:window-off')).toBe('acked');
  });

  it('a read behind a held write of the same key waits for it; reads of other keys do not', async () => {
    const { subject, master } = store();
    await subject.set('st:other', 'o');
    master.fence(true);
    const write = subject.set('st:ordered', 'new');
    let readDone = false;
    const read = subject.get('st:ordered').then((value) => {
      readDone = true;
      return value;
    });
    expect(await subject.get('st:other')).toBe('o');
    expect(readDone).toBe(false);
    master.fence(false);
    expect(await write).toBe(true);
    expect(await read).toBe('new');
  });
});
