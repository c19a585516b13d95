import { EventEmitter } from 'node:events';
import { Command, Redis } from 'ioredis';
import { CacheErrorReporter } from '../../../lib/client/cache-error-reporter.js';
import { validateOptions } from '../../../lib/options/validate-options.js';
import { RedisSentinelStore, type StoreMaster } from '../../../lib/store/redis-sentinel.store.js';
import { ValueCodec } from '../../../lib/store/value-codec.js';
import { corkingUnsupported, TickCorker } from '../../../lib/store/tick-corker.js';
import { CommandTimerBypass, timerBypassUnsupported } from '../../../lib/store/command-timer-bypass.js';
import { Keyv } from 'keyv';
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
const keyv = new Keyv();
const codec = new ValueCodec(keyv.serialize as (data: unknown) => string, keyv.deserialize as (text: string) => unknown);
/** An entry as Keyv (without a serializer) hands it to the store, and as Redis holds it. */
const entry = (value: unknown) => ({ value, expires: undefined });
const stored = (value: unknown) => codec.encode(value, undefined);

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
      codec, close: async () => undefined,
    });
    subject.namespace = 'st';
    return { subject, master };
  }

  /** Commands on `st:` keys as Redis received them (MONITOR), from `since`. */
  async function monitor(): Promise<{ commands(): string[]; stop(): void }> {
    const watcher = await client.monitor();
    const seen: string[] = [];
    watcher.on('monitor', (_time: string, args: string[]) => {
      if (args.slice(1).some((arg) => arg.startsWith('st:order'))) seen.push(args.map((arg, i) => (i === 0 ? arg.toUpperCase() : arg.startsWith('st:') ? arg : '_')).join(' '));
    });
    await sleep(20);
    return { commands: () => seen, stop: () => watcher.disconnect() };
  }

  it('operations reach Redis in call order: set then get is SET, GET; a get batch goes before a later write', async () => {
    const { subject } = store();
    const watch = await monitor();
    try {
      const set = subject.set('st:order:a', entry('one'));
      const first = subject.get('st:order:a');
      const second = subject.get('st:order:b');
      const write = subject.set('st:order:b', entry('two'));
      const after = subject.get('st:order:b');
      const lone = subject.get('st:order:a');
      await Promise.all([set, write]);
      expect(await first).toEqual(entry('one'));
      expect(await second).toBeUndefined(); // read before the write of the same tick
      expect(await after).toEqual(entry('two'));
      expect(await lone).toEqual(entry('one'));
      // Let the next tick's single get go too, then look at what Redis saw.
      expect(await subject.get('st:order:b')).toEqual(entry('two'));
      await sleep(50);
      expect(watch.commands()).toEqual([
        'SET st:order:a _',
        'MGET st:order:a st:order:b', // the two gets of the tick, flushed before the write
        'SET st:order:b _',
        'MGET st:order:b st:order:a', // the gets after it, at the end of the tick
        'GET st:order:b', // alone in its tick: a plain GET
      ]);
    } finally {
      watch.stop();
    }
  });

  it('corks the socket per tick: the commands of one tick leave in one socket write', async () => {
    const { subject } = store();
    await subject.set('st:cork:warm', entry(0));
    const socket = client.stream as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
    const writes: string[] = [];
    const original = { write: socket._write, writev: socket._writev };
    socket._write = function (...args: unknown[]) {
      writes.push('write');
      return original.write.apply(this, args);
    };
    socket._writev = function (...args: unknown[]) {
      writes.push('writev');
      return original.writev.apply(this, args);
    };
    try {
      await Promise.all([subject.set('st:cork:1', entry(1)), subject.set('st:cork:2', entry(2)), subject.delete('st:cork:3'), subject.get('st:cork:1')]);
    } finally {
      socket._write = original.write;
      socket._writev = original.writev;
    }
    // Fails if ioredis stops writing commands to client.stream synchronously (corking would do nothing).
    expect(writes).toEqual(['writev']);
  });

  it('with corking off (corkPerTick: false) or when the ioredis internal moved, writes one command at a time', async () => {
    expect(corkingUnsupported()).toBeUndefined(); // fails if ioredis's sendCommand stops writing to this.stream
    expect(corkingUnsupported(function sendCommand() { return 'elsewhere'; })).toMatch(/no longer writes to this\.stream/);
    expect(corkingUnsupported(undefined as unknown as () => void)).toBeUndefined(); // default argument: ioredis's own
    expect(corkingUnsupported(42)).toMatch(/no Redis.prototype.sendCommand/);
    const moved = new TickCorker(client, () => 'moved');
    expect(moved.enabled).toBe(false);
    moved.cork();
    expect(client.stream.writableCorked).toBe(0);
    const corker = new TickCorker(client);
    corker.cork();
    expect(client.stream.writableCorked).toBe(1);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(client.stream.writableCorked).toBe(0);
  });

  it("sends its commands without ioredis's per-command timer, which stays for every other caller", async () => {
    expect(timerBypassUnsupported()).toBeUndefined(); // fails if ioredis stops reading options.commandTimeout per command
    expect(timerBypassUnsupported(function sendCommand() { return 'moved'; })).toMatch(/no longer reads options.commandTimeout/);
    expect(timerBypassUnsupported(7)).toMatch(/no Redis.prototype.sendCommand/);
    const { subject } = store();
    const armed: string[] = [];
    const setTimer = Command.prototype.setTimeout;
    Command.prototype.setTimeout = function (this: Command, ms: number) {
      armed.push(`${this.name} ${ms}`);
      return setTimer.call(this, ms);
    };
    client.options.commandTimeout = 5_000;
    try {
      await Promise.all([subject.set('st:timer', entry(1)), subject.get('st:timer'), subject.getMany(['st:timer', 'st:timer2'])]);
      expect(armed).toEqual([]);
      expect(client.options.commandTimeout).toBe(5_000);
      await client.exists('st:timer'); // another caller of the same client keeps its timer
      expect(armed).toEqual(['exists 5000']);
      const moved = new CommandTimerBypass(client.options, () => 'moved');
      moved.lift();
      expect(client.options.commandTimeout).toBe(5_000);
    } finally {
      Command.prototype.setTimeout = setTimer;
      delete client.options.commandTimeout;
    }
  });

  it('a write held past commandTimeout reports failure, is never sent, and its old value is deleted as soon as writes go', async () => {
    const { subject, master } = store({ commandTimeout: 100 });
    await subject.set('st:held', entry('v1'));
    master.fence(true);
    expect(await subject.set('st:held', entry('v2'))).toBe(false); // fail-open: not acknowledged
    expect(await subject.get('st:held')).toBeUndefined(); // this instance never serves v1 again
    expect(await admin('GET', 'st:held')).toBe(stored('v1')); // still in Redis while writes are held
    master.fence(false);
    await sleep(50);
    expect(await admin('EXISTS', 'st:held')).toBe(0); // invalidated, v2 never written
    expect(subject.pendingInvalidations).toBe(0);
  });

  it('after a switch, deletes the keys acknowledged within recentWritesWindow on the new master', async () => {
    const { subject, master } = store();
    await subject.set('st:recent', entry('acked'));
    master.usable = false;
    master.emit('unusable');
    master.usable = true;
    master.usableAgain(1);
    await sleep(50);
    expect(await admin('EXISTS', 'st:recent')).toBe(0);
    // Written after the switch: kept.
    await subject.set('st:after', entry('kept'));
    master.usableAgain(1); // a reconnect to the same master, no switch in between
    await sleep(50);
    expect(await admin('GET', 'st:after')).toBe(stored('kept'));
  });

  it('with recentWritesWindow 0, a switch invalidates nothing', async () => {
    const { subject, master } = store({ recentWritesWindow: 0 });
    await subject.set('st:window-off', entry('acked'));
    master.usableAgain(1);
    await sleep(50);
    expect(await admin('GET', 'st:window-off')).toBe(stored('acked'));
  });

  it("reads an earlier release's value (Keyv's JSON envelope) through the store", async () => {
    const { subject } = store();
    await admin('SET', 'st:old', keyv.serialize!({ value: { n: 1 }, expires: 9_999_999_999_999 }) as string);
    expect(await subject.get('st:old')).toEqual({ value: { n: 1 }, expires: 9_999_999_999_999 });
    expect(await subject.getMany(['st:old', 'st:none'])).toEqual([{ value: { n: 1 }, expires: 9_999_999_999_999 }, undefined]);
  });

  it('a read behind a held write of the same key waits for it; reads of other keys do not', async () => {
    const { subject, master } = store();
    await subject.set('st:other', entry('o'));
    master.fence(true);
    const write = subject.set('st:ordered', entry('new'));
    let readDone = false;
    const read = subject.get('st:ordered').then((value) => {
      readDone = true;
      return value;
    });
    expect(await subject.get('st:other')).toEqual(entry('o'));
    expect(readDone).toBe(false);
    master.fence(false);
    expect(await write).toBe(true);
    expect(await read).toEqual(entry('new'));
  });
});
