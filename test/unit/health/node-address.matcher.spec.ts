import { normalizeHost, sameNodeMatcher, socketPeer, splitAddress, translate } from '../../../lib/health/node-address.matcher.js';

describe('node address matching', () => {
  it('formats socket peers, IPv4-mapped IPv6 as IPv4', () => {
    expect(socketPeer({ remoteAddress: '::ffff:127.0.0.1', remotePort: 6379 })).toBe('127.0.0.1:6379');
    expect(socketPeer({ remoteAddress: '::1', remotePort: 6379 })).toBe('::1:6379');
    expect(socketPeer(undefined)).toBeNull();
    expect(socketPeer({})).toBeNull();
  });

  it('splits addresses, IPv6 included', () => {
    expect(splitAddress('10.0.0.1:6379')).toEqual({ host: '10.0.0.1', port: 6379 });
    expect(splitAddress('::1:6379')).toEqual({ host: '::1', port: 6379 });
    expect(splitAddress('nonsense')).toBeNull();
    expect(normalizeHost('[::1]')).toBe('::1');
  });

  it('applies a natMap object or function as ioredis does', () => {
    expect(translate({ '10.0.0.1:6379': { host: '127.0.0.1', port: 16379 } }, '10.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 16379 });
    expect(translate(() => null, '10.0.0.1:6379')).toEqual({ host: '10.0.0.1', port: 6379 });
  });

  it('matches announced and connected addresses through the natMap', async () => {
    const same = await sameNodeMatcher({ '10.0.0.1:6379': { host: '127.0.0.1', port: 16379 } }, ['10.0.0.1:6379'], 100);
    expect(same('10.0.0.1:6379', '127.0.0.1:16379')).toBe(true);
    expect(same('10.0.0.1:6379', '10.0.0.1:6379')).toBe(false);
    expect(same('10.0.0.2:6379', '10.0.0.2:6380')).toBe(false);
  });

  it('resolves announced host names within the bound', async () => {
    const same = await sameNodeMatcher(undefined, ['localhost:6379'], 1000);
    expect(same('localhost:6379', '127.0.0.1:6379') || same('localhost:6379', '::1:6379')).toBe(true);
    expect(same('localhost:6379', '10.9.9.9:6379')).toBe(false);
  });
});
