/**
 * Real processes: redis-server (7.x) must be on PATH. Starts local Sentinel topologies on free ports.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { allocatePorts } from '../../scripts/topology/free-ports.js';
import { renderTemplate } from '../../scripts/topology/render-config.js';
import {
  RedisServerNotFoundError,
  TopologyError,
  startTopology,
  type Address,
  type Topology,
} from '../../scripts/topology/topology.js';

/** Every PID any topology of this file started, checked at the end. */
const startedPids = new Set<number>();
function remember(topology: Topology): void {
  for (const node of [...topology.dataNodes, ...topology.sentinels]) startedPids.add(node.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PIDs of redis-server processes whose working directory is under `dir` (Linux /proc). */
function redisPidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (!comm.startsWith('redis-server') && !comm.startsWith('redis-sentinel')) continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** A short-lived client as an application would connect (ioredis defaults: RESP3, HELLO AUTH). */
async function withClient<T>(
  address: Address,
  username: string,
  password: string,
  fn: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = new Redis({
    host: address.host,
    port: address.port,
    username,
    password,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    // ioredis 6: disconnect() after the server closed the connection leaves a 2 s timer behind.
    if (client.status !== 'end') client.disconnect();
  }
}

const record = (reply: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  const list = reply as unknown[];
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = String(list[i + 1]);
  return out;
};

describe('startTopology (fixed ACL)', () => {
  let topology: Topology | undefined;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    topology = await startTopology({ acl: 'fixed' });
    startMs = Date.now() - t0;
    remember(topology);
  }, 60_000);

  afterAll(async () => {
    await topology?.stop();
  });

  it('starts in a few seconds', () => {
    // Measured ~3.5 s: initial sync immediate, then ~2 s for the sentinels' hello discovery.
    expect(startMs).toBeLessThan(10_000);
  });

  it('runs a master, 2 replicas and 3 sentinels that agree', async () => {
    const topo = topology!;
    const [master, ...replicas] = topo.dataNodes;
    expect(topo.acl).toBe('fixed');
    expect(topo.masterName).toBe('primary');
    expect(topo.password).toMatch(/^[0-9a-f]{32}$/);
    expect(replicas).toHaveLength(2);
    expect(topo.sentinels).toHaveLength(3);
    expect(topo.sentinelAddresses).toEqual(topo.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })));
    expect(new Set([...topo.dataNodes, ...topo.sentinels].map((n) => n.port)).size).toBe(6);

    expect(await topo.currentMaster()).toEqual(master!.address);
    expect(topo.nodeAt(master!.address)).toBe(master);

    const role = (await topo.adminCommand(master!, 'ROLE')) as [string, number, [string, string, string][]];
    expect(role[0]).toBe('master');
    expect(role[2].map((r) => Number(r[1])).sort()).toEqual(replicas.map((r) => r.port).sort());
    for (const replica of replicas) {
      const replicaRole = (await topo.adminCommand(replica, 'ROLE')) as unknown[];
      expect(replicaRole.slice(0, 4)).toEqual(['slave', '127.0.0.1', master!.port, 'connected']);
    }
    for (const sentinel of topo.sentinels) {
      expect(await topo.adminCommand(sentinel, 'SENTINEL', 'get-master-addr-by-name', 'primary')).toEqual([
        '127.0.0.1',
        String(master!.port),
      ]);
      const info = record(await topo.adminCommand(sentinel, 'SENTINEL', 'master', 'primary'));
      expect(info).toMatchObject({ flags: 'master', quorum: '2', 'num-slaves': '2', 'num-other-sentinels': '2' });
    }
  });

  it('fixed ACL: app user default may INFO on the master, SUBSCRIBE failover channels and SENTINEL SLAVES', async () => {
    const topo = topology!;
    const info = await withClient(topo.dataNodes[0]!.address, 'default', topo.password, (c) => c.info('replication'));
    expect(info).toContain('role:master');
    await withClient(topo.sentinelAddresses[0]!, 'default', topo.password, async (c) => {
      expect(await c.subscribe('+switch-master', '+selected-slave', '+failover-state-send-slaveof-noone')).toBe(3);
      // &-failover-abort-* is a channel pattern: any -failover-abort-... channel is allowed, others are not.
      expect(await c.subscribe('-failover-abort-no-good-slave')).toBe(4);
      await expect(c.subscribe('+sdown')).rejects.toThrow(/NOPERM/);
    });
    const slaves = await withClient(topo.sentinelAddresses[1]!, 'default', topo.password, (c) =>
      c.call('SENTINEL', 'SLAVES', 'primary'),
    );
    expect(slaves).toHaveLength(2);
  });

  it('SENTINEL FAILOVER changes the master, and the app user sees +switch-master', async () => {
    const topo = topology!;
    const subscriber = new Redis({
      ...topo.sentinelAddresses[2]!,
      username: 'default',
      password: topo.password,
      lazyConnect: true,
      retryStrategy: null,
      enableReadyCheck: false,
    });
    subscriber.on('error', () => undefined);
    try {
      await subscriber.connect();
      const switched = new Promise<string>((resolve) => subscriber.on('message', (_channel, message) => resolve(String(message))));
      await subscriber.subscribe('+switch-master');

      const t0 = Date.now();
      const { from, to } = await topo.failover();
      const failoverMs = Date.now() - t0;
      expect(from).toEqual(topo.dataNodes[0]!.address);
      expect(topo.dataNodes.slice(1).map((n) => n.port)).toContain(to.port);
      expect(failoverMs).toBeLessThan(10_000);
      expect(await switched).toBe(`primary 127.0.0.1 ${from.port} 127.0.0.1 ${to.port}`);

      expect(await topo.currentMaster()).toEqual(to);
      const role = (await topo.adminCommand(to, 'ROLE')) as unknown[];
      expect(role[0]).toBe('master');
      // The other replica follows at once (partial resync); the old master is demoted by Sentinel
      // only ~10 s later, then needs a full sync: wait for one replica here.
      expect(await topo.waitForStable(20_000, 1)).toEqual(to);
    } finally {
      if (subscriber.status !== 'end') subscriber.disconnect();
    }
  }, 60_000);

  it('stop() kills every process, removes its temporary work dir, and is idempotent', async () => {
    const topo = topology!;
    const pids = [...topo.dataNodes, ...topo.sentinels].map((n) => n.pid);
    expect(pids.every(pidAlive)).toBe(true);
    expect(existsSync(topo.workDir)).toBe(true);
    await topo.stop();
    expect(pids.filter(pidAlive)).toEqual([]);
    expect([...topo.dataNodes, ...topo.sentinels].some((n) => n.alive())).toBe(false);
    expect(existsSync(topo.workDir)).toBe(false);
    expect(redisPidsUnder(topo.workDir)).toEqual([]);
    await expect(topo.stop()).resolves.toBeUndefined();
  });
});

describe('startTopology (seed ACL)', () => {
  let topology: Topology | undefined;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'seed', password: 'seed-test-password' });
    remember(topology);
  }, 60_000);

  afterAll(async () => {
    await topology?.stop();
  });

  it('seed ACL: sentinel default cannot SUBSCRIBE nor SENTINEL SLAVES; master default cannot INFO', async () => {
    const topo = topology!;
    expect(topo.acl).toBe('seed');
    expect(topo.password).toBe('seed-test-password');
    const sentinel = topo.sentinelAddresses[0]!;
    await withClient(sentinel, 'default', topo.password, async (c) => {
      // What the seed does allow: master discovery.
      expect(await c.call('SENTINEL', 'get-master-addr-by-name', 'primary')).toEqual([
        '127.0.0.1',
        String(topo.dataNodes[0]!.port),
      ]);
      expect(await c.call('SENTINEL', 'REPLICAS', 'primary')).toHaveLength(2);
      await expect(c.subscribe('+switch-master')).rejects.toThrow(/NOPERM/);
      await expect(c.call('SENTINEL', 'SLAVES', 'primary')).rejects.toThrow(/NOPERM/);
    });
    await withClient(topo.dataNodes[0]!.address, 'default', topo.password, async (c) => {
      expect(await c.set('seed:key', 'v')).toBe('OK');
      expect(await c.get('seed:key')).toBe('v');
      await expect(c.info()).rejects.toThrow(/NOPERM/);
    });
    // The admin users still can.
    expect(String(await topo.adminCommand(topo.dataNodes[0]!, 'INFO', 'server'))).toContain('redis_version:');
  });

  it('nodes can be killed, restarted, paused and resumed', async () => {
    const topo = topology!;
    const replica = topo.dataNodes[2]!;
    const oldPid = replica.pid;
    await replica.kill();
    expect(replica.alive()).toBe(false);
    expect(pidAlive(oldPid)).toBe(false);
    await expect(topo.adminCommand(replica, 'PING')).rejects.toThrow(TopologyError);
    await replica.restart();
    remember(topo);
    expect(replica.alive()).toBe(true);
    expect(replica.pid).not.toBe(oldPid);
    await expect(topo.waitForStable(20_000, 2)).resolves.toEqual(topo.dataNodes[0]!.address);

    const sentinel = topo.sentinels[2]!;
    sentinel.pause();
    const t0 = Date.now();
    await expect(topo.adminCommand(sentinel, 'PING')).rejects.toThrow(TopologyError);
    expect(Date.now() - t0).toBeLessThan(5000); // bounded by the 2 s admin timeouts
    expect(sentinel.alive()).toBe(true);
    // A paused sentinel is left out of the majority.
    expect(await topo.currentMaster()).toEqual(topo.dataNodes[0]!.address);
    sentinel.resume();
    expect(await topo.adminCommand(sentinel, 'PING')).toBe('PONG');

    // stop() must also kill a paused process.
    sentinel.pause();
    const pids = [...topo.dataNodes, ...topo.sentinels].map((n) => n.pid);
    await topo.stop();
    expect(pids.filter(pidAlive)).toEqual([]);
    await expect(replica.restart()).rejects.toThrow(/stopped/);
  }, 60_000);
});

describe('startTopology failures', () => {
  it('the seed ACL lines as-is (with comments) are refused as an aclfile', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rsc-acl-'));
    try {
      const raw = renderTemplate(readFileSync('scripts/topology/config/users.seed.acl.tmpl', 'utf8'), {
        redis_password: 'pw',
      });
      writeFileSync(path.join(dir, 'users.acl'), raw);
      const [port] = await allocatePorts(1);
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--aclfile', path.join(dir, 'users.acl')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
        }, 5000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code).toBe(1);
      expect(output).toMatch(/Aborting Redis startup because of ACL errors/);
      expect(output).toMatch(/should start with user keyword/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a start that fails half-way stops what it started and reports the node log (redacted)', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'rsc-topology-fail-'));
    const [master, r1, r2, s1, s2, s3] = await allocatePorts(6);
    // Occupy the last sentinel's port: the data nodes and two sentinels start, the third cannot bind.
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(s3, '127.0.0.1', resolve));
    try {
      const error = await startTopology({
        ports: { master: master!, replicas: [r1!, r2!], sentinels: [s1!, s2!, s3!] },
        workDir,
        password: 'very-secret-password',
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TopologyError);
      const message = (error as Error).message;
      expect(message).toContain(`sentinel-2 (127.0.0.1:${s3})`);
      expect(message).toMatch(/Address already in use/);
      expect(message).not.toContain('very-secret-password');
      // Everything it had started is gone; a caller-supplied work dir is kept for inspection.
      expect(redisPidsUnder(workDir)).toEqual([]);
      expect(existsSync(path.join(workDir, 'sentinel-2', 'sentinel-2.log'))).toBe(true);
    } finally {
      blocker.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('RedisServerNotFoundError names how to install Redis or use docker compose', async () => {
    const savedPath = process.env['PATH'];
    const savedBin = process.env['REDIS_SERVER_BIN'];
    process.env['PATH'] = '/nonexistent-dir';
    delete process.env['REDIS_SERVER_BIN'];
    try {
      const error = await startTopology().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RedisServerNotFoundError);
      expect(error).toMatchObject({ code: 'REDIS_SERVER_NOT_FOUND' });
      expect((error as Error).message).toContain('apt-get update && apt-get install -y redis-server');
      expect((error as Error).message).toContain('docker compose up --wait');
    } finally {
      process.env['PATH'] = savedPath;
      if (savedBin !== undefined) process.env['REDIS_SERVER_BIN'] = savedBin;
    }
  });
});

afterAll(() => {
  // Nothing this file started may survive it.
  expect([...startedPids].filter(pidAlive)).toEqual([]);
});
