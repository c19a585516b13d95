/**
 * docker-compose.yml, without a Docker engine: the file parses, its services form the topology of the
 * local launcher (1 master, 2 replicas, 3 sentinels, the sample app) with healthchecks for
 * `docker compose up --wait`, and its entrypoint (docker/redis-node.sh) renders the SAME templates into
 * the same ACL users and sentinel settings as the local launcher, only the network lines differing.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderDataNodeConfig, renderSentinelConfig } from '../../scripts/topology/render-config.js';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';

const run = promisify(execFile);
const ROOT = path.resolve(process.cwd());
const TEMPLATES = path.join(ROOT, 'scripts/topology/config');
const PASSWORD = 'compose-test-password&|/x';

// js-yaml is what jest itself loads YAML with; loaded through require (CommonJS, no type declarations).
const yaml = createRequire(import.meta.url)('js-yaml') as { load?: (text: string) => unknown; safeLoad?: (text: string) => unknown };

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
}

async function loadCompose(): Promise<Compose> {
  const text = await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  return (yaml.load ?? yaml.safeLoad)!(text) as Compose;
}

/** Compose's `${VAR:-default}` / `${VAR:?message}` interpolation, for the variables a user sets. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_all, name: string, kind?: string, rest?: string) => {
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '-') return rest ?? '';
    throw new Error(`${name} is not set: ${rest ?? ''}`);
  });
}

const DATA = ['redis-master', 'redis-replica-1', 'redis-replica-2'];
/** Every ACL mode the templates define (users.<mode>.acl.tmpl): the compose file offers each through ACL_MODE. */
const ACL_MODES = readdirSync(TEMPLATES)
  .map((file) => /^users\.([a-z-]+)\.acl\.tmpl$/.exec(file)?.[1])
  .filter((mode): mode is string => mode !== undefined)
  .sort();
const SENTINELS = ['sentinel-1', 'sentinel-2', 'sentinel-3'];

function ip(service: Service): string {
  return Object.values(service.networks ?? {})[0]?.ipv4_address ?? '';
}

/** Renders one service's files with docker/redis-node.sh (RENDER_ONLY=1), as its container would. */
async function renderService(compose: Compose, name: string, vars: Record<string, string | undefined>): Promise<{ conf: string; acl?: string }> {
  const service = compose.services[name]!;
  const out = await mkdtemp(path.join(os.tmpdir(), 'rsc-compose-'));
  try {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), vars)]));
    const role = service.command?.[0] ?? 'data';
    await run('sh', [path.join(ROOT, 'docker/redis-node.sh'), role], {
      env: { PATH: process.env['PATH'], ...env, TEMPLATES, OUT_DIR: out, RENDER_ONLY: '1' },
      timeout: 10_000,
    });
    if (role === 'sentinel') return { conf: await readFile(path.join(out, 'sentinel.conf'), 'utf8') };
    return { conf: await readFile(path.join(out, 'redis.conf'), 'utf8'), acl: await readFile(path.join(out, 'users.acl'), 'utf8') };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Config lines without comments and without the lines that legitimately differ (paths, network). */
function settings(conf: string): string[] {
  return conf
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .filter((line) => !/^(dir|logfile|aclfile|bind|port|replicaof|replica-announce-ip|sentinel announce-ip) /.test(line))
    .map((line) => line.replace(/^(sentinel monitor \S+) \S+ /, '$1 <master-host> '));
}

function value(conf: string, directive: RegExp): string | undefined {
  return conf.split('\n').map((line) => directive.exec(line.trim())?.[1]).find((found) => found !== undefined);
}

describe('docker-compose.yml', () => {
  let compose: Compose;

  beforeAll(async () => {
    compose = await loadCompose();
  });

  it('offers the ACL modes of the templates, the seed and the corrected ones at least', () => {
    expect(ACL_MODES).toEqual(expect.arrayContaining(['fixed', 'seed']));
  });

  it('parses, and describes the topology of the local launcher plus the sample app', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...DATA, ...SENTINELS, 'sample-app'].sort());
    const subnet = Object.values(compose.networks)[0]!.ipam.config[0]!.subnet;
    const prefix = subnet.replace(/\.0\/24$/, '.');
    const ips = Object.values(compose.services).map(ip);
    expect(new Set(ips).size).toBe(ips.length);
    for (const address of ips) expect(address.startsWith(prefix)).toBe(true);
    const master = compose.services['redis-master']!;
    for (const name of [...DATA, ...SENTINELS]) {
      const service = compose.services[name]!;
      const env = service.environment!;
      // One source of truth: the launcher's templates, rendered by the entrypoint.
      expect(service.volumes).toEqual(expect.arrayContaining(['./scripts/topology/config:/templates:ro', './docker/redis-node.sh:/docker/redis-node.sh:ro']));
      expect(service.entrypoint).toEqual(['/bin/sh', '/docker/redis-node.sh']);
      expect(env['ANNOUNCE_IP']).toBe(ip(service));
      expect(env['ACL_MODE']).toBe('${ACL_MODE:-fixed}');
      // Published on the host's loopback only, on the port the node listens on.
      expect(service.ports).toEqual([`127.0.0.1:${env['NODE_PORT']}:${env['NODE_PORT']}`]);
      expect(service.healthcheck?.test[0]).toMatch(/^CMD/);
    }
    for (const name of ['redis-replica-1', 'redis-replica-2']) {
      expect(compose.services[name]!.environment!['REPLICA_OF']).toBe(`${ip(master)} ${master.environment!['NODE_PORT']}`);
      expect(compose.services[name]!.depends_on).toEqual({ 'redis-master': { condition: 'service_healthy' } });
    }
    for (const name of SENTINELS) {
      const env = compose.services[name]!.environment!;
      expect([env['MASTER_HOST'], env['MASTER_PORT'], env['MASTER_NAME']]).toEqual([ip(master), master.environment!['NODE_PORT'], 'primary']);
      expect(Object.values(compose.services[name]!.depends_on!).every((d) => d.condition === 'service_healthy')).toBe(true);
    }
    const app = compose.services['sample-app']!;
    expect(app.build).toEqual({ context: '.', dockerfile: 'docker/sample-app.Dockerfile' });
    expect(app.environment!['REDIS_SENTINELS']).toBe(
      SENTINELS.map((name) => `${ip(compose.services[name]!)}:${compose.services[name]!.environment!['NODE_PORT']}`).join(','),
    );
    expect(Object.keys(app.depends_on!).sort()).toEqual(SENTINELS);
    expect(app.healthcheck?.test.join(' ')).toContain('/health');
  });

  it('refuses to start without REDIS_PASSWORD (compose interpolation), as documented', () => {
    expect(() => interpolate(compose.services['redis-master']!.environment!['REDIS_PASSWORD']!, {})).toThrow(/REDIS_PASSWORD/);
  });

  it.each(ACL_MODES)('renders the same ACL users and settings as the local launcher (ACL %s)', async (acl) => {
    const vars = { REDIS_PASSWORD: PASSWORD, ACL_MODE: acl };
    const patterns = interpolate(compose.services['redis-master']!.environment!['APP_KEY_PATTERNS'] ?? '${APP_KEY_PATTERNS:-cache:*}', vars).split(' ');
    const [redisTmpl, usersTmpl, sentinelTmpl, sentinelUsersTmpl] = await Promise.all(
      ['redis.conf.tmpl', `users.${acl}.acl.tmpl`, 'sentinel.conf.tmpl', `sentinel-users.${acl}.acl.tmpl`].map((file) => readFile(path.join(TEMPLATES, file), 'utf8')),
    );
    for (const name of DATA) {
      const env = compose.services[name]!.environment!;
      const docker = await renderService(compose, name, vars);
      const replicaOf = env['REPLICA_OF']?.split(' ');
      const local = renderDataNodeConfig({
        template: redisTmpl!,
        usersTemplate: usersTmpl!,
        port: Number(env['NODE_PORT']),
        dir: '/data',
        logfile: 'node.log',
        aclfile: '/data/users.acl',
        password: PASSWORD,
        replicaOf: replicaOf ? { host: replicaOf[0]!, port: Number(replicaOf[1]) } : undefined,
        appKeyPatterns: patterns,
      });
      expect(docker.acl).toBe(local.acl);
      expect(settings(docker.conf)).toEqual(settings(local.conf));
      expect(value(docker.conf, /^port (\d+)$/)).toBe(env['NODE_PORT']);
      expect(value(docker.conf, /^replicaof (.+)$/)).toBe(env['REPLICA_OF']);
    }
    for (const name of SENTINELS) {
      const env = compose.services[name]!.environment!;
      const docker = await renderService(compose, name, vars);
      const local = renderSentinelConfig({
        template: sentinelTmpl!,
        usersTemplate: sentinelUsersTmpl!,
        port: Number(env['NODE_PORT']),
        dir: '/data',
        logfile: 'sentinel.log',
        password: PASSWORD,
        masterName: 'primary',
        masterPort: Number(env['MASTER_PORT']),
        downAfterMs: Number(env['DOWN_AFTER_MS']),
        failoverTimeoutMs: Number(env['FAILOVER_TIMEOUT_MS']),
      });
      expect(settings(docker.conf)).toEqual(settings(local));
      expect(value(docker.conf, /^sentinel announce-ip (\S+)$/)).toBe(env['ANNOUNCE_IP']);
      expect(value(docker.conf, /^sentinel monitor primary (\S+) /)).toBe(env['MASTER_HOST']);
    }
  });

  describe('against a topology started by the local launcher with its defaults', () => {
    let topology: Topology | undefined;

    beforeAll(async () => {
      topology = await startTopology({ acl: 'fixed', password: 'compose-test-password' });
    }, 60_000);

    afterAll(async () => {
      await topology?.stop();
    });

    it('has the same sentinel settings (quorum, down-after, failover-timeout, parallel-syncs) and the same aclfile', async () => {
      const vars = { REDIS_PASSWORD: 'compose-test-password' };
      const docker = await renderService(compose, 'sentinel-1', vars);
      const reply = (await topology!.adminCommand(topology!.sentinels[0]!, 'SENTINEL', 'MASTER', 'primary')) as string[];
      const live: Record<string, string> = {};
      for (let i = 0; i + 1 < reply.length; i += 2) live[reply[i]!] = reply[i + 1]!;
      expect({
        quorum: value(docker.conf, /^sentinel monitor primary \S+ \d+ (\d+)$/),
        'down-after-milliseconds': value(docker.conf, /^sentinel down-after-milliseconds primary (\d+)$/),
        'failover-timeout': value(docker.conf, /^sentinel failover-timeout primary (\d+)$/),
        'parallel-syncs': value(docker.conf, /^sentinel parallel-syncs primary (\d+)$/),
      }).toEqual({
        quorum: live['quorum'],
        'down-after-milliseconds': live['down-after-milliseconds'],
        'failover-timeout': live['failover-timeout'],
        'parallel-syncs': live['parallel-syncs'],
      });
      const data = await renderService(compose, 'redis-master', vars);
      expect(data.acl).toBe(await readFile(path.join(topology!.workDir, 'data-0', 'users.acl'), 'utf8'));
    });

    it("its healthchecks pass on the launcher's nodes (what `docker compose up --wait` waits for)", async () => {
      const check = async (name: string, port: number) => {
        const [kind, command] = compose.services[name]!.healthcheck!.test;
        expect(kind).toBe('CMD-SHELL');
        // $$ is compose's escape for a literal $ in the container's shell.
        const { stdout } = await run('sh', ['-c', `${command!.replace(/\$\$/g, '$')} && echo healthy`], {
          env: { PATH: process.env['PATH'], REDIS_PASSWORD: topology!.password, NODE_PORT: String(port) },
          timeout: 10_000,
        });
        return stdout.trim();
      };
      expect(await check('redis-master', topology!.dataNodes[0]!.port)).toBe('healthy');
      expect(await check('redis-replica-1', topology!.dataNodes[1]!.port)).toBe('healthy');
      expect(await check('sentinel-1', topology!.sentinels[0]!.port)).toBe('healthy');
    });
  });
});
