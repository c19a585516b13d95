import { parseCliArgs } from '../../../scripts/topology/cli.js';

describe('topology CLI arguments', () => {
  it('start with defaults: fixed ACL, no TLS, generated password', () => {
    expect(parseCliArgs(['start'], {})).toEqual({ command: 'start', options: {}, generatedPassword: true });
  });

  it('--tls, --acl least-privilege and repeated --app-key-pattern', () => {
    const parsed = parseCliArgs(
      ['start', '--tls', '--acl', 'least-privilege', '--app-key-pattern', 'cache:*', '--app-key-pattern', 'sessions:*'],
      { REDIS_PASSWORD: 'from-env' },
    );
    expect(parsed.options).toEqual({
      tls: true,
      acl: 'least-privilege',
      appKeyPatterns: ['cache:*', 'sessions:*'],
      password: 'from-env',
    });
    expect(parsed.generatedPassword).toBe(false);
  });

  it('refuses an unknown ACL mode, and key patterns without least-privilege', () => {
    expect(() => parseCliArgs(['start', '--acl', 'open'], {})).toThrow(/--acl must be seed, fixed, least-privilege; got "open"/);
    expect(() => parseCliArgs(['start', '--app-key-pattern', 'cache:*'], {})).toThrow(/needs --acl least-privilege/);
  });

  it('--base-port derives every port', () => {
    expect(parseCliArgs(['start', '--base-port', '16379'], {}).options.ports).toEqual({
      master: 16379,
      replicas: [16380, 16381],
      sentinels: [26379, 26380, 26381],
    });
  });
});
