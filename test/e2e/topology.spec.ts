/**
 * Real processes: redis-server (7.x) must be on PATH. Starts local Sentinel topologies on free ports.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Server } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { allocatePorts } from '../../scripts/topology/free-ports.js';
import { renderTemplate } from '../../scripts/topology/render-config.js';
import { generateTestCertificates } from '../../scripts/topology/tls-certs.js';
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
  extra: { tls?: ConnectionOptions; db?: number; enableReadyCheck?: boolean } = {},
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
    ...extra,
  });
  // connect() only says "Connection is closed." when TLS or AUTH fails: keep the real reason.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    try {
      await client.connect();
    } catch (error) {
      throw lastError ?? error;
    }
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

/** Sends an inline PING over plain TCP; resolves when the server closes (or after 3 s). */
function plainTcpPing(address: Address): Promise<{ reply: string; closed: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: address.host, port: address.port });
    let reply = '';
    let error: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false, error });
    }, 3000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => (reply += data.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, closed: true, error });
    });
  });
}

describe('startTopology (TLS)', () => {
  let topology: Topology | undefined;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    topology = await startTopology({ tls: true });
    startMs = Date.now() - t0;
    remember(topology);
  }, 60_000);

  afterAll(async () => {
    await topology?.stop();
  });

  it('starts in a few seconds and exposes the CA and a client certificate', () => {
    const topo = topology!;
    // Measured ~3.8 s (certificates ~0.1 s), like the plain topology.
    expect(startMs).toBeLessThan(15_000);
    expect(topo.tls).toEqual({
      ca: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
      cert: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
      key: expect.stringMatching(/-----BEGIN (EC )?PRIVATE KEY-----/),
    });
    const files = topo.tlsFiles!;
    expect(path.dirname(files.ca)).toBe(path.join(topo.workDir, 'tls'));
    expect(readFileSync(files.ca, 'utf8')).toBe(topo.tls!.ca);
    expect(existsSync(path.join(topo.workDir, 'tls', 'ca.key'))).toBe(false);
  });

  it('serves no plain TCP: data nodes and sentinels listen with TLS only', async () => {
    const topo = topology!;
    for (const node of [topo.dataNodes[0]!, topo.sentinels[0]!]) {
      const plain = await plainTcpPing(node.address);
      expect(plain.closed).toBe(true);
      expect(plain.reply).not.toContain('PONG');
      await expect(
        withClient(node.address, 'default', topo.password, (c) => c.ping(), { enableReadyCheck: false }),
      ).rejects.toThrow();
      expect(await topo.adminCommand(node, 'PING')).toBe('PONG');
    }
    const master = topo.dataNodes[0]!;
    expect(await topo.adminCommand(master, 'CONFIG', 'GET', 'port')).toEqual(['port', '0']);
    expect(await topo.adminCommand(master, 'CONFIG', 'GET', 'tls-port')).toEqual(['tls-port', String(master.port)]);
    expect(await topo.adminCommand(master, 'CONFIG', 'GET', 'tls-replication')).toEqual(['tls-replication', 'yes']);
  });

  it('a client trusting the CA works (with or without its client certificate); another CA is refused', async () => {
    const topo = topology!;
    const master = topo.dataNodes[0]!.address;
    expect(await withClient(master, 'default', topo.password, (c) => c.set('tls:x', 'v'), { tls: { ca: topo.tls!.ca } })).toBe('OK');
    expect(await withClient(master, 'default', topo.password, (c) => c.get('tls:x'), { tls: topo.tls })).toBe('v');
    // servername: the certificate also names localhost.
    expect(await withClient(master, 'default', topo.password, (c) => c.ping(), { tls: { ca: topo.tls!.ca, servername: 'localhost' } })).toBe('PONG');
    expect(
      await withClient(topo.sentinelAddresses[1]!, 'default', topo.password, (c) => c.call('SENTINEL', 'get-master-addr-by-name', 'primary'), {
        tls: { ca: topo.tls!.ca },
      }),
    ).toEqual(['127.0.0.1', String(master.port)]);

    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'rsc-other-ca-'));
    try {
      const other = await generateTestCertificates(otherDir);
      await expect(
        withClient(master, 'default', topo.password, (c) => c.ping(), { tls: { ca: other.client.ca } }),
      ).rejects.toThrow(/unable to verify|self[- ]signed|certificate/i);
      // A client certificate from another CA is refused by the node (tls-auth-clients optional still verifies it).
      await expect(
        withClient(master, 'default', topo.password, (c) => c.ping(), { tls: { ca: topo.tls!.ca, cert: other.client.cert, key: other.client.key } }),
      ).rejects.toThrow();
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('replication and the sentinels\' links run over TLS', async () => {
    const topo = topology!;
    const [master, ...replicas] = topo.dataNodes;
    for (const replica of replicas) {
      const role = (await topo.adminCommand(replica, 'ROLE')) as unknown[];
      expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', master!.port, 'connected']);
    }
    for (const sentinel of topo.sentinels) {
      const info = record(await topo.adminCommand(sentinel, 'SENTINEL', 'master', 'primary'));
      expect(info).toMatchObject({ flags: 'master', 'num-slaves': '2', 'num-other-sentinels': '2' });
      const peers = (await topo.adminCommand(sentinel, 'SENTINEL', 'sentinels', 'primary')) as unknown[];
      // Each sentinel announces its TLS port (the only one it has) and is reached there.
      expect(peers.map((p) => Number(record(p).port)).sort()).toEqual(topo.sentinels.filter((s) => s !== sentinel).map((s) => s.port).sort());
      for (const peer of peers) expect(record(peer).flags).toBe('sentinel');
    }
  });

  it('fails over over TLS: every sentinel names the new master and a TLS client writes there', async () => {
    const topo = topology!;
    const t0 = Date.now();
    const { from, to } = await topo.failover();
    expect(Date.now() - t0).toBeLessThan(15_000); // measured ~1.2 s
    expect(from).toEqual(topo.dataNodes[0]!.address);
    expect(await topo.waitForStable(20_000, 1)).toEqual(to);
    expect(await withClient(to, 'default', topo.password, (c) => c.set('tls:after', 'failover'), { tls: topo.tls })).toBe('OK');
    expect(await topo.adminCommand(to, 'GET', 'tls:after')).toBe('failover');
  }, 60_000);

  it('stop() removes the work dir, certificates included', async () => {
    const topo = topology!;
    const pids = [...topo.dataNodes, ...topo.sentinels].map((n) => n.pid);
    await topo.stop();
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(existsSync(topo.workDir)).toBe(false);
  });
});

describe('startTopology (least-privilege ACL)', () => {
  let topology: Topology | undefined;

  beforeAll(async () => {
    topology = await startTopology({ acl: 'least-privilege' });
    remember(topology);
  }, 60_000);

  afterAll(async () => {
    await topology?.stop();
  });

  it('the app user may GET/SET cache:* keys only, and no FLUSHDB, KEYS or CONFIG', async () => {
    const topo = topology!;
    expect(topo.acl).toBe('least-privilege');
    await withClient(topo.dataNodes[0]!.address, 'default', topo.password, async (c) => {
      expect(await c.set('cache:x', '1', 'PX', 10_000)).toBe('OK');
      expect(await c.get('cache:x')).toBe('1');
      await expect(c.get('other:x')).rejects.toThrow(/NOPERM/);
      await expect(c.set('other:x', '1')).rejects.toThrow(/NOPERM/);
      await expect(c.mget('cache:x', 'other:x')).rejects.toThrow(/NOPERM/);
      await expect(c.flushdb()).rejects.toThrow(/NOPERM/);
      await expect(c.flushall()).rejects.toThrow(/NOPERM/);
      await expect(c.keys('*')).rejects.toThrow(/NOPERM/);
      await expect(c.call('CONFIG', 'GET', 'maxmemory')).rejects.toThrow(/NOPERM/);
      await expect(c.call('EVAL', 'return 1', '0')).rejects.toThrow(/NOPERM/);
      await expect(c.call('MULTI')).rejects.toThrow(/NOPERM/);
      await expect(c.call('PUBLISH', 'x', 'y')).rejects.toThrow(/NOPERM/);
    });
    // Replication and Sentinel (their own users) are unaffected: the topology started and is stable.
    expect(await topo.adminCommand(topo.dataNodes[1]!, 'GET', 'cache:x')).toBe('1');
  });

  it('what ioredis and the module send pass: HELLO, CLIENT SETINFO, INFO ready check, SELECT, the store\'s commands', async () => {
    const topo = topology!;
    const master = topo.dataNodes[0]!;
    await topo.adminCommand(master, 'ACL', 'LOG', 'RESET');
    // ioredis defaults, as the module connects: RESP3 HELLO 3 AUTH, CLIENT SETINFO x2, SELECT, INFO (ready check).
    await withClient(
      master.address,
      'default',
      topo.password,
      async (c) => {
        expect(c.status).toBe('ready');
        expect(await c.info('replication')).toContain('role:master');
        expect(await c.set('cache:a', '{"value":1}', 'PX', 10_000)).toBe('OK');
        expect(await c.get('cache:a')).toBe('{"value":1}');
        expect(await c.mget('cache:a', 'cache:b')).toEqual(['{"value":1}', null]);
        expect(await c.exists('cache:a')).toBe(1);
        expect(await c.scan('0', 'MATCH', 'cache:*', 'COUNT', 500)).toEqual(['0', ['cache:a']]);
        expect(await c.unlink('cache:a')).toBe(1);
        expect(await c.del('cache:a')).toBe(0);
        expect(await c.ping()).toBe('PONG');
        expect(((await c.call('ROLE')) as unknown[])[0]).toBe('master');
        expect(await c.quit()).toBe('OK');
      },
      { db: 1, enableReadyCheck: true },
    );
    expect(await topo.adminCommand(master, 'ACL', 'LOG')).toEqual([]);
  });

  it('the sentinels\' app user may follow failovers, but not SENTINEL SLAVES nor other channels', async () => {
    const topo = topology!;
    await withClient(topo.sentinelAddresses[0]!, 'default', topo.password, async (c) => {
      expect(await c.call('SENTINEL', 'get-master-addr-by-name', 'primary')).toEqual(['127.0.0.1', String(topo.dataNodes[0]!.port)]);
      expect(await c.call('SENTINEL', 'sentinels', 'primary')).toHaveLength(2);
      await expect(c.call('SENTINEL', 'SLAVES', 'primary')).rejects.toThrow(/NOPERM/);
      expect(await c.subscribe('+switch-master', '+selected-slave', '+failover-state-send-slaveof-noone')).toBe(3);
      expect(await c.subscribe('-failover-abort-no-good-slave')).toBe(4);
      await expect(c.subscribe('+sdown')).rejects.toThrow(/NOPERM/);
    });
  });
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

  it('refuses an app key pattern that is not a plain pattern before starting anything', async () => {
    const error = await startTopology({ acl: 'least-privilege', appKeyPatterns: ['cache:* +@all'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as Error).message).toMatch(/appKeyPatterns\[0\] must not contain whitespace/);
  });

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
