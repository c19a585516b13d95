import { createServer, type AddressInfo, type Server } from 'node:net';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { masterConnector, type MasterConnectorHandle, type MasterTarget } from '../../../lib/master/master-connector.js';
import type { NodeAddress } from '../../../lib/client/node-address.js';

/** A TCP listener on loopback that accepts and holds connections (no Redis needed to test a connector). */
async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function target(address: NodeAddress): MasterTarget & { adopted: MasterConnectorHandle[] } {
  const adopted: MasterConnectorHandle[] = [];
  return {
    adopted,
    adopt: (connector) => void adopted.push(connector),
    targetForConnect: async () => address,
  };
}

describe('masterConnector', () => {
  it('connects where the tracker says, through natMap, and records the announced target', async () => {
    const { server, port } = await listener();
    const natMap = { '10.9.9.9:6379': { host: '127.0.0.1', port } };
    const tracker = target({ host: '10.9.9.9', port: 6379 });
    const Connector = masterConnector(tracker, natMap);
    const connector = new Connector({ disconnectTimeout: 50 });
    expect(tracker.adopted).toEqual([connector]);
    const stream = await connector.connect(() => undefined);
    await new Promise((resolve) => stream.once('connect', resolve));
    expect(stream.remotePort).toBe(port);
    expect((connector as unknown as MasterConnectorHandle).target).toEqual({ host: '10.9.9.9', port: 6379 });
    connector.disconnect();
    stream.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('never writes TLS options (passphrase, key) into the natMap entry or the target', async () => {
    const natMap = { '10.9.9.9:6379': { host: '127.0.0.1', port: 1 } };
    const tls = { passphrase: 'tls-secret', rejectUnauthorized: false, servername: 'redis.internal' };
    const tracker = target({ host: '10.9.9.9', port: 6379 });
    const connector = new (masterConnector(tracker, natMap))({ disconnectTimeout: 50, tls });
    const stream = await connector.connect(() => undefined);
    stream.on('error', () => undefined);
    connector.disconnect();
    const printed = `${inspect(natMap, { depth: 5 })} ${JSON.stringify(natMap)} ${inspect(tracker.adopted[0]!.target)}`;
    expect(printed).not.toContain('tls-secret');
    expect(printed).not.toContain('redis.internal');
    expect(tls).toEqual({ passphrase: 'tls-secret', rejectUnauthorized: false, servername: 'redis.internal' });
    expect(natMap['10.9.9.9:6379']).toEqual({ host: '127.0.0.1', port: 1 });
  });

  it('gives up (ioredis then stops) when disconnected while waiting for the tracker', async () => {
    let release!: (address: NodeAddress) => void;
    const tracker: MasterTarget = { adopt: () => undefined, targetForConnect: () => new Promise((resolve) => (release = resolve)) };
    const connector = new (masterConnector(tracker, undefined))({ disconnectTimeout: 50 });
    const connecting = connector.connect(() => undefined);
    connector.disconnect();
    release({ host: '127.0.0.1', port: 1 });
    await expect(connecting).rejects.toThrow('Connection is closed.');
  });
});

describe('ioredis internals the module relies on', () => {
  it('keeps the pending reconnect timer in `reconnectTimeout` (the tracker skips it after a switch)', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => 60_000, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    const reconnecting = new Promise((resolve) => client.once('reconnecting', resolve));
    client.connect().catch(() => undefined);
    await reconnecting;
    expect(client.status).toBe('reconnecting');
    const timer = (client as unknown as { reconnectTimeout?: unknown }).reconnectTimeout;
    expect(timer).toBeTruthy();
    expect(typeof (timer as { hasRef?: unknown }).hasRef).toBe('function'); // a Node timer
    client.disconnect();
  });
});
