import { parseDoctorArgs, type DoctorSettings } from '../../../lib/doctor/doctor-args.js';
import { InvalidOptionError } from '../../../lib/errors/redis-sentinel-cache.errors.js';

const files: Record<string, string> = {
  '/etc/app/cache.json': JSON.stringify({ sentinels: [{ host: 'file', port: 1 }], name: 'from-file', namespace: 'file-ns', password: 'file-secret' }),
  '/run/secrets/redis': 'file-password\n',
};
const readFile = (path: string) => {
  if (!(path in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return files[path]!;
};
const settings = (argv: string[], env: Record<string, string> = {}): DoctorSettings => {
  const command = parseDoctorArgs(['doctor', ...argv], env, readFile);
  if (command.kind !== 'run') throw new Error('expected a run');
  return command.settings;
};
const failure = (argv: string[], env: Record<string, string> = {}): InvalidOptionError => {
  try {
    parseDoctorArgs(['doctor', ...argv], env, readFile);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('expected an InvalidOptionError');
};

describe('doctor arguments', () => {
  it('reads the sample app\'s environment variables', () => {
    const { options } = settings([], {
      REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26380',
      REDIS_MASTER_NAME: 'cache',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'p1',
      REDIS_SENTINEL_USERNAME: 'app-s',
      REDIS_SENTINEL_PASSWORD: 'p2',
      CACHE_NAMESPACE: 'shop',
      REDIS_NAT_MAP: '172.18.0.2:6379=localhost:6380',
    });
    expect(options).toMatchObject({
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }],
      name: 'cache', username: 'app', password: 'p1', sentinelUsername: 'app-s', sentinelPassword: 'p2', namespace: 'shop',
      natMap: { '172.18.0.2:6379': { host: 'localhost', port: 6380 } },
    });
  });

  it('flags win over the environment, which wins over the config file; passwords from files', () => {
    const { options } = settings(['--config', '/etc/app/cache.json', '--sentinels', '[::1]:26379', '--password-file', '/run/secrets/redis'], {
      REDIS_MASTER_NAME: 'from-env',
    });
    expect(options.sentinels).toEqual([{ host: '::1', port: 26379 }]);
    expect(options.name).toBe('from-env');
    expect(options.namespace).toBe('file-ns');
    expect(options.password).toBe('file-password');
  });

  it('defaults: master "primary", the module\'s namespace, timeout = connectTimeout', () => {
    const result = settings(['--sentinels', 'h:1']);
    expect(result.options.name).toBe('primary');
    expect(result.options.namespace).toBe('cache');
    expect(result).toMatchObject({ timeout: 2000, deadline: 10_000, failover: false, json: false, admin: {} });
  });

  it('refuses passwords on the command line, pointing at the environment and files', () => {
    const error = failure(['--sentinels', 'h:1', '--password', 'x']);
    expect(error.option).toBe('--password');
    expect(error.message).toContain('REDIS_PASSWORD or --password-file');
    expect(error.message).not.toContain(' x');
    expect(failure(['--sentinels', 'h:1', '--sentinel-password=x']).option).toBe('--sentinel-password');
  });

  it('validates with the module\'s validateOptions: the same typed error, naming the option and its source', () => {
    const port = failure([], { REDIS_SENTINELS: 'h:1,h' });
    expect(port.option).toBe('sentinels[1].port');
    expect(port.message).toMatch(/is required.*\(from REDIS_SENTINELS\)/);
    expect(failure(['--sentinels', 'h:1', '--db', 'x']).message).toMatch(/"db": must be a non-negative integer up to 15, got x \(from --db\)/);
    expect(failure(['--sentinels', 'h:1', '--namespace', 'a*']).option).toBe('namespace');
    expect(failure([]).option).toBe('sentinels');
  });

  it('names unreadable files and bad flags', () => {
    expect(failure(['--sentinels', 'h:1', '--password-file', '/nope']).message).toContain('cannot read /nope (ENOENT)');
    expect(failure(['--config', '/nope']).option).toBe('--config');
    expect(failure(['--sentinels', 'h:1', '--timeout', '0']).option).toBe('--timeout');
    expect(failure(['--sentinels', 'h:1', '--nat-map', 'a=b']).option).toBe('natMap');
    expect(failure(['--sentinels', 'h:1', '--bogus']).option).toBe('--bogus');
    expect(failure(['check', '--sentinels', 'h:1']).message).toContain('expected the command "doctor"');
  });

  it('--failover needs --yes', () => {
    expect(failure(['--sentinels', 'h:1', '--failover']).option).toBe('--yes');
    expect(settings(['--sentinels', 'h:1', '--failover', '--yes']).failover).toBe(true);
  });

  it('admin users: one for both kinds of node, or a separate one for the sentinels', () => {
    expect(settings(['--sentinels', 'h:1', '--admin-user', 'root'], { REDIS_ADMIN_PASSWORD: 'a' }).admin).toEqual({
      data: { username: 'root', password: 'a' },
      sentinel: { username: 'root', password: 'a' },
    });
    expect(
      settings(['--sentinels', 'h:1'], { REDIS_ADMIN_USERNAME: 'root', REDIS_SENTINEL_ADMIN_USERNAME: 's-root', REDIS_SENTINEL_ADMIN_PASSWORD: 'b' }).admin,
    ).toEqual({ data: { username: 'root' }, sentinel: { username: 's-root', password: 'b' } });
  });

  it('TLS flags become the module\'s tls / sentinelTLS files (read and checked by validateOptions)', () => {
    expect(settings(['--sentinels', 'h:1', '--tls', '--sentinel-tls']).options).toMatchObject({ tls: {}, sentinelTLS: {} });
    expect(failure(['--sentinels', 'h:1', '--tls-ca', '/nope/ca.crt']).option).toBe('tls.caFile');
  });

  it('--help', () => {
    expect(parseDoctorArgs(['doctor', '--help'], {}).kind).toBe('help');
  });
});
