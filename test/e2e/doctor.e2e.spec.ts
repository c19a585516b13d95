/**
 * `nestjs-redis-sentinel-cache doctor` against real topologies (redis-server/sentinel processes on
 * 127.0.0.1): the seed's verbatim ACLs, the fixed and least-privilege ones, a TLS-only topology, a
 * dead and a hung sentinel, wrong passwords, a wrong master name, natMap, the failover drill, and the
 * bin of the packed tarball.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { aclRule } from '../../lib/acl/acl-rules.js';
import { SENTINEL_SUBSCRIBE_RULES } from '../../lib/acl/acl-warnings.js';
import { doctorMain } from '../../lib/doctor/doctor-cli.js';
import type { Check } from '../../lib/doctor/doctor-report.js';
import { appConnection } from '../../scripts/topology/app-connection.js';
import { allocatePorts } from '../../scripts/topology/free-ports.js';
import { startTopology, type Address, type Topology, type TopologyOptions } from '../../scripts/topology/topology.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const addr = (address: Address) => `${address.host}:${address.port}`;

interface Outcome {
  code: number;
  output: string;
  ms: number;
}
interface JsonOutcome extends Outcome {
  report: { exitCode: number; summary: Record<string, number>; checks: Check[] };
}

/** Every output the doctor printed, and every topology password, for the secrets test. */
const outputs: string[] = [];
const passwords: string[] = [];
/** Timings for the report, printed once at the end. */
const measured: Record<string, number> = {};

afterAll(() => {
  console.log(`doctor e2e timings (ms): ${JSON.stringify(measured, null, 2)}`);
});

/** A topology for the tests of one describe block: started before them, stopped after them (by PID). */
function useTopology(options: TopologyOptions): () => Topology {
  let topology: Topology | undefined;
  beforeAll(async () => {
    topology = await startTopology(options);
    passwords.push(topology.password);
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
  });
  return () => topology!;
}

/** The sample app's environment variables for a topology's app user (the seed's `default`). */
function appEnv(topology: Topology): Record<string, string> {
  const app = appConnection(topology);
  return {
    REDIS_SENTINELS: app.sentinels.map(addr).join(','),
    REDIS_MASTER_NAME: app.name,
    REDIS_USERNAME: app.username,
    REDIS_PASSWORD: app.password,
    REDIS_SENTINEL_USERNAME: app.sentinelUsername,
    REDIS_SENTINEL_PASSWORD: app.sentinelPassword,
  };
}

/** The admin users of the topologies (`admin` on the data nodes and the sentinels, the same password). */
function adminEnv(topology: Topology): Record<string, string> {
  return { REDIS_ADMIN_USERNAME: 'admin', REDIS_ADMIN_PASSWORD: topology.password };
}

async function doctor(args: string[], env: Record<string, string | undefined>, timing?: string): Promise<Outcome> {
  let output = '';
  const started = Date.now();
  const code = await doctorMain(['doctor', ...args], env, (text) => (output += text));
  const ms = Date.now() - started;
  if (timing) measured[timing] = ms;
  outputs.push(output);
  return { code, output, ms };
}

async function doctorJson(args: string[], env: Record<string, string | undefined>, timing?: string): Promise<JsonOutcome> {
  const outcome = await doctor(['--json', ...args], env, timing);
  return { ...outcome, report: JSON.parse(outcome.output) as JsonOutcome['report'] };
}

const lines = (output: string, status: string) => output.split('\n').filter((line) => line.startsWith(`${status} `));
const check = (report: JsonOutcome['report'], id: string) => report.checks.filter((entry) => entry.id === id);
/** The rule words a fix names: `add "<words>" to user ...`. */
const ruleOf = (entry: Check) => /add "([^"]+)" to user/.exec(entry.fix ?? '')?.[1];

/** Adds ACL rules to the app user `default` on every node of a kind, as the admin user. */
async function addRules(topology: Topology, kind: 'sentinels' | 'dataNodes', rule: string): Promise<void> {
  for (const node of topology[kind]) await topology.adminCommand(node, 'ACL', 'SETUSER', 'default', ...rule.split(' '));
}

describe('doctor, seed ACLs (verbatim)', () => {
  const topology = useTopology({ acl: 'seed' });

  it('names the missing "+subscribe ..." and "+info" rules, in the start-up warnings\' words, and exits 1', async () => {
    const { code, output } = await doctor([], appEnv(topology()), 'seed');
    expect(lines(output, 'fail')).toEqual([]);
    expect(code).toBe(1);
    expect(SENTINEL_SUBSCRIBE_RULES).toBe('+subscribe &+switch-master &+selected-slave &+failover-state-send-slaveof-noone &-failover-abort-*');
    expect(output).toContain(`add "${SENTINEL_SUBSCRIBE_RULES}" to user "default" on every sentinel`);
    expect(output).toContain('add "+info" to user "default" on every data node');
    expect(output).toMatch(/^warn +ACL sentinels 3\/3: user "default" may not subscribe to the failover events \(refused: command 'subscribe'\)/m);
    // What the seed does allow: resolving, the replica watch's WAIT, the cache commands on every node.
    expect(output).toMatch(/^ok +ACL sentinels 3\/3: user "default" may resolve the master/m);
    expect(output).toMatch(/^ok +ACL data nodes 3\/3: user "default" may run the role probe \(WAIT 0 0\)/m);
    expect(output).toMatch(/^ok +ACL the master: user "default" may run the cache commands/m);
    expect(output).toMatch(/^ok +master 127\.0\.0\.1:\d+: reachable as "default", role master \(WAIT\)/m);
    expect(output).toMatch(/\(exit 1\)\n$/);
  });

  it('--json: the same verdicts for CI, with the rule of each gap', async () => {
    const { code, report } = await doctorJson([], appEnv(topology()));
    expect(code).toBe(1);
    expect(report.exitCode).toBe(1);
    expect(report.summary.fail).toBe(0);
    const warned = report.checks.filter((entry) => entry.status === 'warn').map((entry) => [entry.id, ruleOf(entry)]);
    expect(warned).toEqual([
      ['acl:sentinel-events', aclRule('sentinel-events')],
      ['acl:data-info', '+info'],
      ['acl:data-role', '+role'],
    ]);
    expect(check(report, 'acl:sentinel-events')[0]!.data).toMatchObject({ required: false, checkedWith: ['real'] });
  });

  it('with an admin user: ACL DRYRUN gives the same verdicts, and each replica\'s lag', async () => {
    const { code, report } = await doctorJson([], { ...appEnv(topology()), ...adminEnv(topology()) }, 'seed, admin (ACL DRYRUN)');
    expect(code).toBe(1);
    expect(check(report, 'acl:sentinel-events')[0]!.data).toMatchObject({ checkedWith: ['dryrun-admin'] });
    expect(ruleOf(check(report, 'acl:sentinel-events')[0]!)).toBe(SENTINEL_SUBSCRIBE_RULES);
    expect(ruleOf(check(report, 'acl:data-info')[0]!)).toBe('+info');
    const replicas = check(report, 'replica');
    expect(replicas).toHaveLength(2);
    for (const replica of replicas) expect(replica.what).toMatch(/role replica \(WAIT\), lag \d+ s, \d+ bytes behind/);
    expect(check(report, 'acl:sentinel-failover')[0]).toMatchObject({ status: 'ok' });
  });

  it('the rules it names are enough: once added, it exits 0', async () => {
    const { report } = await doctorJson([], appEnv(topology()));
    await addRules(topology(), 'sentinels', ruleOf(check(report, 'acl:sentinel-events')[0]!)!);
    await addRules(topology(), 'dataNodes', ruleOf(check(report, 'acl:data-info')[0]!)!);
    const { code, output } = await doctor([], appEnv(topology()));
    expect(lines(output, 'warn')).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('doctor --failover --yes, seed ACLs (the app\'s sentinel user may not subscribe)', () => {
  const topology = useTopology({ acl: 'seed' });

  it('times the failover and reports the probe writes the old master acknowledged after the promotion, naming the rule that holds them', async () => {
    const before = await topology().currentMaster();
    const { code, report } = await doctorJson(['--failover', '--yes'], { ...appEnv(topology()), ...adminEnv(topology()) }, 'seed, --failover --yes (whole run)');
    const [drill] = check(report, 'failover');
    const [writes] = check(report, 'failover-writes');
    const timeline = drill!.data as { newMaster: string; namedAt: number; firstWriteAt: number; promotingAt?: number };
    expect(drill!.status).toBe('ok');
    expect(timeline.newMaster).not.toBe(addr(before));
    expect(timeline.promotingAt).toBeUndefined(); // no subscription: the promotion is not announced to the app's user
    measured['seed drill: SENTINEL FAILOVER -> first write on the new master'] = timeline.firstWriteAt;
    const { lost, acknowledged, fenced } = writes!.data as { lost: number; acknowledged: number; fenced: boolean };
    measured['seed drill: probe writes lost'] = lost;
    expect(fenced).toBe(false);
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThan(acknowledged);
    expect(writes!.status).toBe('warn');
    expect(ruleOf(writes!)).toBe(SENTINEL_SUBSCRIBE_RULES);
    expect(code).toBe(1);
  }, 60_000);
});

describe('doctor, least-privilege ACLs', () => {
  const topology = useTopology({ acl: 'least-privilege' });

  it('passes, or names only +wait (the replica watch\'s role probe, newer than the template); with it, exits 0', async () => {
    const first = await doctorJson([], appEnv(topology()), 'least-privilege');
    const gaps = first.report.checks.filter((entry) => entry.status !== 'ok');
    expect(gaps.map((entry) => [entry.id, ruleOf(entry)])).toEqual(gaps.length === 0 ? [] : [['acl:data-role-probe', '+wait']]);
    if (gaps.length > 0) await addRules(topology(), 'dataNodes', '+wait');
    const { code, output } = await doctor([], appEnv(topology()));
    expect(lines(output, 'warn').concat(lines(output, 'fail'))).toEqual([]);
    expect(code).toBe(0);
  });

  it('another namespace: the key pattern is what is refused, and the fix names exactly it', async () => {
    const real = await doctorJson(['--namespace', 'orders'], appEnv(topology()));
    const store = check(real.report, 'acl:data-store')[0]!;
    expect(store.status).toBe('fail');
    expect(ruleOf(store)).toBe('~orders:*');
    expect(real.code).toBe(2);
    const dryRun = await doctorJson(['--namespace', 'orders'], { ...appEnv(topology()), ...adminEnv(topology()) });
    const exact = check(dryRun.report, 'acl:data-store')[0]!;
    expect(ruleOf(exact)).toBe('~orders:*');
    expect(exact.what).toMatch(/refused: key 'orders:__doctor__:[0-9a-f]+'/);
  });
});

describe('doctor, fixed ACLs', () => {
  const topology = useTopology({ acl: 'fixed' });
  const env = () => appEnv(topology());

  it('every check ok: exit 0', async () => {
    const { code, output } = await doctor([], env(), 'fixed');
    expect(lines(output, 'warn').concat(lines(output, 'fail'))).toEqual([]);
    expect(output).toMatch(/^ok +quorum 2, 3 of 3 sentinels alive; a failover needs 2/m);
    expect(output).toMatch(/^ok +the sentinels see 2 replica\(s\) of "primary", links up/m);
    expect(output).toMatch(/^ok +master 127\.0\.0\.1:\d+: reachable as "default", role master \(INFO\)/m);
    expect(output).toMatch(/^ok +the addresses the sentinels announce are reachable from here/m);
    expect(code).toBe(0);
  });

  it('flags and a JSON config file take the same options as the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rsc-doctor-'));
    try {
      const app = appConnection(topology());
      await writeFile(join(dir, 'config.json'), JSON.stringify({ sentinels: app.sentinels, name: app.name, password: app.password }));
      await writeFile(join(dir, 'sentinel-password'), `${app.sentinelPassword}\n`);
      const { code } = await doctor(['--config', join(dir, 'config.json'), '--sentinel-password-file', join(dir, 'sentinel-password')], {});
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an invalid option is the module\'s typed error naming it (and where it came from): exit 2, no network', async () => {
    const { code, report } = await doctorJson([], { ...env(), REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1' });
    expect(code).toBe(2);
    expect(report.checks).toEqual([
      expect.objectContaining({ status: 'fail', id: 'options', data: { code: 'ERR_REDIS_SENTINEL_CACHE_INVALID_OPTION', option: 'sentinels[1].port' } }),
    ]);
    expect(report.checks[0]!.what).toContain('(from REDIS_SENTINELS)');
  });

  it('a wrong password says which user on which node: exit 2', async () => {
    const master = addr(await topology().currentMaster());
    const data = await doctor([], { ...env(), REDIS_PASSWORD: 'not-the-password' }, 'fixed, wrong data password');
    expect(data.code).toBe(2);
    expect(data.output).toContain(`fail  master ${master} refused user "default": WRONGPASS`);
    expect(lines(data.output, 'fail').filter((line) => /^fail +replica 127\.0\.0\.1:\d+ refused user "default"/.test(line))).toHaveLength(2);
    const sentinels = await doctor([], { ...env(), REDIS_SENTINEL_PASSWORD: 'not-the-password' }, 'fixed, wrong sentinel password');
    expect(sentinels.code).toBe(2);
    for (const sentinel of topology().sentinelAddresses) {
      expect(sentinels.output).toContain(`fail  sentinel ${addr(sentinel)} refused user "default": WRONGPASS`);
    }
    expect(sentinels.output).toContain('REDIS_SENTINEL_PASSWORD');
  });

  it('a partial ACL: the fix names exactly the refused words (channels only; one command only)', async () => {
    const seedSentinelRules = ['+auth', '+hello', '+ping', '+sentinel|get-master-addr-by-name', '+sentinel|master', '+sentinel|replicas', '+sentinel|sentinels'];
    for (const sentinel of topology().sentinels) {
      await topology().adminCommand(sentinel, 'ACL', 'SETUSER', 'partial', 'on', `>${topology().password}`, 'resetchannels', '-@all', ...seedSentinelRules, '+subscribe', '&+switch-master');
    }
    for (const node of topology().dataNodes) {
      await topology().adminCommand(node, 'ACL', 'SETUSER', 'partial', 'on', `>${topology().password}`, 'resetchannels', '-@all', '+ping', '+wait', '+info', '+get', '+set', '+del', '+exists', '+mget', '+scan', '~cache:*');
    }
    const { code, report } = await doctorJson([], { ...env(), REDIS_USERNAME: 'partial', REDIS_SENTINEL_USERNAME: 'partial' });
    const gaps = report.checks.filter((entry) => entry.status !== 'ok').map((entry) => [entry.status, entry.id, ruleOf(entry)]);
    expect(gaps).toEqual([
      ['warn', 'acl:sentinel-events', '&+selected-slave &+failover-state-send-slaveof-noone &-failover-abort-*'],
      ['fail', 'acl:data-store', '+unlink'],
    ]);
    expect(code).toBe(2);
  });

  it('a wrong master name names the ones the sentinels monitor: exit 2', async () => {
    const { code, output } = await doctor(['--name', 'primry'], env());
    expect(code).toBe(2);
    expect(lines(output, 'fail')).toHaveLength(3);
    expect(output).toContain('does not monitor a master named "primry" (it monitors: "primary")');
  });

  it('natMap: an announced address mapped to a proxy is followed; mapped to a dead port, the master line says so', async () => {
    const master = await topology().currentMaster();
    const proxy = net.createServer((socket) => {
      const upstream = net.connect(master.port, master.host);
      socket.pipe(upstream).pipe(socket);
      const end = () => (socket.destroy(), upstream.destroy());
      socket.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyPort = (proxy.address() as net.AddressInfo).port;
      const through = await doctor(['--nat-map', `${addr(master)}=127.0.0.1:${proxyPort}`], env());
      expect(through.output).toContain(`ok    master ${addr(master)}: reachable as "default", role master`);
      expect(through.output).toMatch(/reachable from here \(1 through natMap\)/);
      expect(through.code).toBe(0);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    const [deadPort] = await allocatePorts(1);
    const dead = await doctor(['--nat-map', `${addr(master)}=127.0.0.1:${deadPort}`], env());
    expect(dead.code).toBe(2);
    expect(dead.output).toContain(`fail  master ${addr(master)} (natMap: 127.0.0.1:${deadPort}) unreachable from here`);
    expect(dead.output).toContain(`natMap sends ${addr(master)} to 127.0.0.1:${deadPort}, which this host cannot reach`);
  });

  it('a dead sentinel: a warning for it and for the quorum margin, exit 1, and fast', async () => {
    const sentinel = topology().sentinels[2]!;
    await sentinel.kill();
    try {
      const { code, output, ms } = await doctor([], env(), 'fixed, one sentinel killed');
      expect(output).toMatch(new RegExp(`^warn +sentinel ${addr(sentinel.address)} is unreachable: .*ECONNREFUSED`, 'm'));
      expect(output).toMatch(/^warn +quorum 2, 2 of 3 sentinels alive; a failover needs 2 .*one more sentinel down/m);
      expect(lines(output, 'fail')).toEqual([]);
      expect(code).toBe(1);
      expect(ms).toBeLessThan(2_000); // a refused connection costs no timeout
    } finally {
      await sentinel.restart();
    }
  });

  it('a hung sentinel (SIGSTOP) costs at most the timeout: the run stays bounded', async () => {
    const sentinel = topology().sentinels[1]!;
    sentinel.pause();
    try {
      const { code, output, ms } = await doctor(['--timeout', '500'], env(), 'fixed, one sentinel hung, --timeout 500');
      expect(output).toMatch(new RegExp(`^warn +sentinel ${addr(sentinel.address)} did not answer: no answer within 500 ms`, 'm'));
      expect(code).toBe(1);
      // One timeout for the sentinel round (the sentinels are asked in parallel), not one per question.
      expect(ms).toBeLessThan(500 * 3 + 1_000);
      // The global deadline cuts a run short even when one wait is longer than it.
      const cut = await doctor(['--timeout', '2000', '--deadline', '300'], env(), 'fixed, one sentinel hung, --timeout 2000 --deadline 300');
      expect(cut.output).toMatch(/^fail +the run hit its deadline \(300 ms\)/m);
      expect(cut.code).toBe(2);
      expect(cut.ms).toBeLessThan(300 + 1_000);
    } finally {
      sentinel.resume();
    }
  });

  it('the seed\'s quorum (3 of 3 sentinels): a warning to lower it to the majority', async () => {
    const setQuorum = async (quorum: number) => {
      for (const sentinel of topology().sentinels) await topology().adminCommand(sentinel, 'SENTINEL', 'SET', topology().masterName, 'quorum', quorum);
    };
    await setQuorum(3);
    try {
      const { code, output } = await doctor([], env());
      expect(output).toMatch(/^warn +quorum 3, 3 of 3 sentinels alive; a failover needs 3 .*one more sentinel down.*— lower the quorum to 2/m);
      expect(code).toBe(1);
    } finally {
      await setQuorum(2);
    }
  });

  it('the packed bin: `npx nestjs-redis-sentinel-cache doctor` works with only the package installed, and exits by itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rsc-doctor-bin-'));
    try {
      await run('npm', ['run', 'build'], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 240_000 });
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } });
      const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
      expect(packed!.files.map((file) => file.path)).toContain('dist/esm/doctor/cli.js');
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'ops-box', private: true }));
      // No peers (no Nest): an operator's box needs only the package and ioredis to run the doctor.
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=peer', join(dir, packed!.filename)], {
        cwd: dir, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 240_000,
      });
      const bin = JSON.parse(await readFile(join(dir, 'node_modules/nestjs-redis-sentinel-cache/package.json'), 'utf8')) as { bin: unknown };
      expect(bin.bin).toEqual({ 'nestjs-redis-sentinel-cache': 'dist/esm/doctor/cli.js' });
      const started = Date.now();
      const result = await run('npx', ['--no-install', 'nestjs-redis-sentinel-cache', 'doctor', '--json'], {
        cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() }, timeout: 20_000,
      }).catch((error: { code?: number; stdout?: string }) => error);
      measured['packed bin via npx, fixed (process start to exit)'] = Date.now() - started;
      const report = JSON.parse(String(result.stdout)) as JsonOutcome['report'];
      outputs.push(String(result.stdout));
      expect(report.exitCode).toBe(0);
      expect('code' in result ? result.code : 0).toBe(0);
      const failing = await run('npx', ['--no-install', 'nestjs-redis-sentinel-cache', 'doctor'], {
        cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env(), REDIS_PASSWORD: 'wrong' }, timeout: 20_000,
      }).catch((error: { code?: number; stdout?: string }) => error);
      expect('code' in failing ? failing.code : 0).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('--failover without --yes is refused before anything happens', async () => {
    const before = await topology().currentMaster();
    const { code, output } = await doctor(['--failover'], { ...env(), ...adminEnv(topology()) });
    expect(code).toBe(2);
    expect(output).toContain('Invalid option "--yes": is required with --failover');
    expect(await topology().currentMaster()).toEqual(before);
  });

  it('--failover --yes: a real failover, the time until the new master accepted a write, no probe write lost', async () => {
    await topology().waitForStable();
    const before = await topology().currentMaster();
    const { code, report } = await doctorJson(['--failover', '--yes'], { ...env(), ...adminEnv(topology()) }, 'fixed, --failover --yes (whole run)');
    const [drill] = check(report, 'failover');
    const [writes] = check(report, 'failover-writes');
    expect(drill).toMatchObject({ status: 'ok' });
    const timeline = drill!.data as { newMaster: string; namedAt: number; firstWriteAt: number; promotingAt?: number };
    expect(timeline.newMaster).not.toBe(addr(before));
    expect(timeline.firstWriteAt).toBeGreaterThanOrEqual(timeline.namedAt);
    expect(timeline.promotingAt).toBeDefined(); // the fixed ACL lets the app's sentinel user see the promotion
    measured['fixed drill: SENTINEL FAILOVER -> sentinels name the new master'] = timeline.namedAt;
    measured['fixed drill: SENTINEL FAILOVER -> first write on the new master'] = timeline.firstWriteAt;
    expect(writes).toMatchObject({ status: 'ok', data: expect.objectContaining({ lost: 0, fenced: true }) });
    expect((writes!.data as { acknowledged: number }).acknowledged).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(addr(await topology().currentMaster())).toBe(timeline.newMaster);
    // The probe keys are gone from the new master.
    expect(await topology().adminCommand(await topology().currentMaster(), 'SCAN', '0', 'MATCH', 'cache:__doctor__*', 'COUNT', '10000')).toEqual(['0', []]);
  }, 60_000);

});

describe('doctor, TLS-only topology (fixed ACLs)', () => {
  const topology = useTopology({ acl: 'fixed', tls: true });

  it('with the CA for the sentinels and the data nodes: exit 0', async () => {
    const ca = topology().tlsFiles!.ca;
    const { code, output } = await doctor(['--tls-ca', ca, '--sentinel-tls-ca', ca], appEnv(topology()), 'tls');
    expect(lines(output, 'warn').concat(lines(output, 'fail'))).toEqual([]);
    expect(code).toBe(0);
  });

  it('without TLS: every sentinel line says the connection was closed at once and points at sentinelTLS', async () => {
    const { code, output } = await doctor([], appEnv(topology()));
    expect(code).toBe(2);
    expect(lines(output, 'fail').filter((line) => /closed the connection at once.*set sentinelTLS/.test(line))).toHaveLength(3);
  });

  it('TLS to the sentinels only: the data node lines point at tls', async () => {
    const { code, output } = await doctor(['--sentinel-tls-ca', topology().tlsFiles!.ca], appEnv(topology()));
    expect(code).toBe(2);
    expect(output).toMatch(/^fail +master 127\.0\.0\.1:\d+ closed the connection at once.*set tls \(--tls, --tls-ca\)/m);
  });
});

describe('doctor output', () => {
  it('never prints a password, in text or JSON, not even the wrong ones it was given', () => {
    expect(outputs.length).toBeGreaterThan(20);
    expect(passwords).toHaveLength(5);
    for (const output of outputs) {
      for (const password of passwords) expect(output).not.toContain(password);
      expect(output).not.toContain('not-the-password');
    }
  });
});
