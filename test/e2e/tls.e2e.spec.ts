/**
 * The module over a TLS-only Sentinel topology (real redis-server/sentinel processes, a throwaway CA
 * made by openssl; every node listens with TLS only, replication and sentinel links included).
 *
 *   tls: { ca }          the master (ioredis: `tls` + `enableTLSForSentinelMode`, set by the module)
 *   sentinelTLS: { ca }  the sentinels: master discovery, start-up checks and the failover subscriber
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { Redis } from 'ioredis';
import { CACHE_MANAGER, InvalidOptionError, REDIS_SENTINEL_CLIENT, type FailoverRecord } from '../../lib/index.js';
import { REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS } from '../../lib/redis-sentinel-cache.constants.js';
import { generateTestCertificates, type TlsMaterial } from '../../scripts/topology/tls-certs.js';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';
import { startWriteLoop } from './helpers/write-loop.js';
import { storedValue } from './helpers/stored-value.js';
import { optionsFor, startCacheApp } from './helpers/cache-app.js';
import type { CaptureLogger } from './helpers/capture-logger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CLIENT LIST of a node as records. */
function clientList(reply: unknown): Array<Record<string, string>> {
  return String(reply)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Object.fromEntries(line.trim().split(' ').map((pair) => pair.split('=', 2) as [string, string])));
}

describe('cache over a TLS-only Sentinel topology', () => {
  let topology: Topology;
  let otherCa: TlsMaterial;
  let otherCaDir: string | undefined;
  let app: INestApplication;
  let logger: CaptureLogger;
  let cache: Cache;
  let client: Redis;
  const failovers: FailoverRecord[] = [];
  const apps: INestApplication[] = [];
  const loggers: CaptureLogger[] = [];

  async function start(overrides: Parameters<typeof optionsFor>[1]): Promise<{ app: INestApplication; logger: CaptureLogger }> {
    const started = await startCacheApp(optionsFor(topology, overrides));
    apps.push(started.app);
    loggers.push(started.logger);
    return started;
  }

  beforeAll(async () => {
    topology = await startTopology({ acl: 'fixed', tls: true });
    otherCaDir = mkdtempSync(path.join(os.tmpdir(), 'rsc-other-ca-'));
    otherCa = await generateTestCertificates(otherCaDir);
    ({ app, logger } = await start({
      namespace: 'tls',
      tls: { ca: topology.tls!.ca },
      sentinelTLS: { ca: topology.tls!.ca },
      listeners: { failover: (record) => failovers.push(record) },
    }));
    cache = app.get<Cache>(CACHE_MANAGER);
    client = app.get<Redis>(REDIS_SENTINEL_CLIENT);
  }, 60_000);

  afterAll(async () => {
    // Every app first (their sockets), then every process; each step runs even if another fails.
    await Promise.allSettled(apps.map((started) => started.close()));
    await topology?.stop();
    if (otherCaDir) rmSync(otherCaDir, { recursive: true, force: true });
  });

  it('starts without a warning and sets/gets over a verified TLS connection to the master', async () => {
    expect(logger.warnings()).toEqual([]);
    await cache.set('answer', { n: 42 }, 60_000);
    expect(await cache.get('answer')).toEqual({ n: 42 });

    const master = await topology.currentMaster();
    const raw = await topology.adminCommand(master, 'GET', 'tls:answer');
    expect(storedValue(raw)).toEqual({ n: 42 });

    expect(client.status).toBe('ready');
    const stream = client.stream as TLSSocket;
    expect(stream).toBeInstanceOf(TLSSocket);
    expect(stream.encrypted).toBe(true);
    expect(stream.authorized).toBe(true);
    expect(stream.remotePort).toBe(master.port);
    expect(stream.getPeerCertificate().subjectaltname).toContain('IP Address:127.0.0.1');
  });

  it('reaches the sentinels over TLS: each holds the module\'s failover subscription', async () => {
    // The sentinels listen with TLS only (`port 0`), so any connection of the module to them is TLS.
    for (const sentinel of topology.sentinels) {
      const clients = clientList(await topology.adminCommand(sentinel, 'CLIENT', 'LIST'));
      const subscriber = clients.find((c) => c['user'] === 'default' && Number(c['sub']) > 0);
      expect(subscriber).toMatchObject({ sub: '6', flags: 'P' });
    }
  });

  it('servername and a client certificate are accepted too (the certificate also names localhost)', async () => {
    const { app: other, logger: otherLogger } = await start({
      namespace: 'tls-sni',
      tls: { ca: topology.tls!.ca, servername: 'localhost', cert: topology.tls!.cert, key: topology.tls!.key },
      sentinelTLS: { ca: topology.tls!.ca, cert: topology.tls!.cert, key: topology.tls!.key },
    });
    const otherCache = other.get<Cache>(CACHE_MANAGER);
    await otherCache.set('k', 'v');
    expect(await otherCache.get('k')).toBe('v');
    expect(otherLogger.warnings()).toEqual([]);
    // The resolved options print without the private key or the password.
    const printed = inspect(other.get(REDIS_SENTINEL_CACHE_RESOLVED_OPTIONS), { depth: 5 });
    expect(printed).not.toContain(topology.password);
    expect(printed).not.toContain(pemBody(topology.tls!.key));
    await other.close();
  });

  it('follows a SENTINEL FAILOVER over TLS: reconnects to the new master, holds writes, loses none', async () => {
    const writes = startWriteLoop(cache);
    await sleep(300);
    const { from, to } = await topology.failover();
    expect(to).not.toEqual(from);
    // Until the client is on the new master (the coordinator reconnects on +switch-master); loose bound.
    const switched = Date.now();
    while (!(client.status === 'ready' && client.stream.remotePort === to.port) && Date.now() - switched < 10_000) await sleep(20);
    await sleep(500);
    await writes.stop();

    const stream = client.stream as TLSSocket;
    expect(stream).toBeInstanceOf(TLSSocket);
    expect(stream.authorized).toBe(true);
    expect(stream.remotePort).toBe(to.port);
    expect(failovers).toEqual([
      expect.objectContaining({ name: 'primary', from: `127.0.0.1:${from.port}`, to: `127.0.0.1:${to.port}` }),
    ]);
    expect(failovers[0]!.reconnectMs).toBeLessThan(10_000); // measured ~10-100 ms
    // The fence went up on +selected-slave / +failover-state-send-slaveof-noone: the subscription works over TLS.
    expect(logger.text()).toMatch(/Failover of "primary" started \(127\.0\.0\.1:\d+\): holding cache writes/);

    await cache.set('after-failover', 'ok');
    expect(await topology.adminCommand(to, 'GET', 'tls:after-failover')).toBeTruthy();

    // Once the old master is demoted and resynced from the new one: no key holds anything but what was
    // written to it (kept, or invalidated by the module), and every write after the switch is there.
    await topology.waitForStable(40_000);
    const master = await topology.currentMaster();
    expect(master).toEqual(to);
    const values = (await topology.adminCommand(master, 'MGET', ...writes.acked.map(({ key }) => `tls:${key}`))) as Array<string | null>;
    expect(writes.acked.length).toBeGreaterThan(50);
    expect(writes.acked.filter(({ value }, index) => values[index] !== null && storedValue(values[index]) !== value)).toEqual([]);
    const after = writes.acked.map((write, index) => ({ ...write, index })).filter(({ at }) => at > switched + 100);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter(({ index }) => values[index] === null)).toEqual([]);
    expect(writes.failed).toBe(0);
  }, 90_000);

  it('a wrong CA for the master fails start-up, quickly, with an error naming the "tls" option', async () => {
    const started = Date.now();
    const failure = start({
      namespace: 'wrong-ca',
      startupTimeout: 3_000,
      tls: { ca: otherCa.client.ca, cert: topology.tls!.cert, key: topology.tls!.key },
      sentinelTLS: { ca: topology.tls!.ca },
    });
    await expect(failure).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(failure).rejects.toMatchObject({ option: 'tls' });
    await expect(failure).rejects.toThrow(/failed the TLS handshake: .*(self[- ]signed certificate|unable to verify)/);
    await failure.catch((error: Error) => {
      expect(error.message).not.toContain(topology.password);
      expect(error.message).not.toContain('PRIVATE KEY');
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a wrong CA for the sentinels fails start-up with an error naming "sentinelTLS"', async () => {
    const failure = start({
      namespace: 'wrong-sentinel-ca',
      startupTimeout: 3_000,
      tls: { ca: topology.tls!.ca },
      sentinelTLS: { ca: otherCa.client.ca, cert: topology.tls!.cert, key: topology.tls!.key },
    });
    await expect(failure).rejects.toMatchObject({ option: 'sentinelTLS' });
    await expect(failure).rejects.toThrow(/the sentinel at 127\.0\.0\.1:\d+ failed the TLS handshake/);
  });

  it('never logs the password or a private key', () => {
    const secrets = [topology.password, pemBody(topology.tls!.key), pemBody(otherCa.client.key)];
    expect(loggers.length).toBeGreaterThanOrEqual(2);
    for (const captured of loggers) {
      expect(captured.lines.length).toBeGreaterThan(0);
      const text = captured.text();
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain('PRIVATE KEY');
    }
  });
});

/** The first base64 line of a PEM block: enough to recognise it in a log. */
function pemBody(pem: string): string {
  return pem.split('\n').find((line) => line !== '' && !line.startsWith('-----'))!;
}
