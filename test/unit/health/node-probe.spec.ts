import type { Redis } from 'ioredis';
import { NodeProbe } from '../../../lib/health/node-probe.js';

const noperm = (command: string) => Object.assign(new Error(`NOPERM this user has no permissions to run the '${command}' command`));

function fakeClient(overrides: Partial<Record<'ping' | 'info' | 'call', () => Promise<unknown>>> & { status?: string } = {}) {
  const calls: string[] = [];
  const client = {
    status: overrides.status ?? 'ready',
    stream: { remoteAddress: '127.0.0.1', remotePort: 16380 },
    ping: () => (calls.push('PING'), overrides.ping?.() ?? Promise.resolve('PONG')),
    info: () => (calls.push('INFO'), overrides.info?.() ?? Promise.resolve('# Replication\r\nrole:master\r\n')),
    call: (command: string) => (calls.push(command), overrides.call?.() ?? Promise.resolve(['master', 0, []])),
  };
  return { client: client as unknown as Redis, calls };
}

describe('NodeProbe', () => {
  it('reports the peer, the PING latency and the role from INFO', async () => {
    const { client } = fakeClient();
    const facts = await new NodeProbe(client).probe(200);
    expect(facts.connectedTo).toBe('127.0.0.1:16380');
    expect(facts.ping.kind).toBe('ok');
    expect(facts.ping.kind === 'ok' && facts.ping.latencyMs).toBeLessThan(200);
    expect(facts.role).toEqual({ kind: 'ok', role: 'master', via: 'INFO', onlineReplicas: 0 });
  });

  it('falls back to ROLE, then reports "denied", and does not retry refused commands on the next check', async () => {
    const { client, calls } = fakeClient({ info: () => Promise.reject(noperm('info')), call: () => Promise.reject(noperm('role')) });
    const probe = new NodeProbe(client);
    expect((await probe.probe(200)).role).toEqual({ kind: 'denied' });
    expect(calls).toEqual(['PING', 'INFO', 'ROLE']);
    calls.length = 0;
    expect((await probe.probe(200)).role).toEqual({ kind: 'denied' });
    expect(calls).toEqual(['PING']);
  });

  it('uses ROLE when INFO is refused', async () => {
    const { client } = fakeClient({ info: () => Promise.reject(noperm('info')), call: () => Promise.resolve(['slave', '127.0.0.1', 1, 'connected', 0]) });
    expect((await new NodeProbe(client).probe(200)).role).toEqual({ kind: 'ok', role: 'slave', via: 'ROLE' });
  });

  it('returns within the bound when the node does not answer', async () => {
    const { client } = fakeClient({ ping: () => new Promise(() => undefined), info: () => new Promise(() => undefined) });
    const started = Date.now();
    const facts = await new NodeProbe(client).probe(100);
    expect(Date.now() - started).toBeLessThan(400);
    expect(facts.ping).toEqual({ kind: 'timeout' });
    expect(facts.role).toEqual({ kind: 'timeout' });
  });

  it('treats ioredis "Command timed out" as a timeout and other errors as errors', async () => {
    const { client } = fakeClient({ ping: () => Promise.reject(new Error('Command timed out')), info: () => Promise.reject(new Error('LOADING')) });
    const facts = await new NodeProbe(client).probe(200);
    expect(facts.ping).toEqual({ kind: 'timeout' });
    expect(facts.role).toEqual({ kind: 'error', message: 'LOADING' });
  });

  it('asks nothing when the client is not ready', async () => {
    const { client, calls } = fakeClient({ status: 'reconnecting' });
    const facts = await new NodeProbe(client).probe(200);
    expect(facts).toEqual({ status: 'reconnecting', connectedTo: null, ping: { kind: 'skipped' }, role: { kind: 'skipped' } });
    expect(calls).toEqual([]);
  });
});
