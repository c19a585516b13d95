/**
 * Local Redis Sentinel topology on 127.0.0.1: 1 master + 2 replicas + 3 sentinels, as child processes
 * of the calling Node process. Used by the jest e2e tests, the sample app and the benchmarks.
 *
 *   const topo = await startTopology({ acl: 'fixed' });
 *   try { ...topo.sentinelAddresses, topo.password, topo.masterName... } finally { await topo.stop(); }
 *
 * The configuration comes from the templates in ./config (the single source of truth, also rendered
 * by the compose file). Every node gets its own directory under workDir holding its conf (Sentinel
 * and CONFIG REWRITE rewrite them), aclfile and log.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, closeSync, openSync, rmSync } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { Redis } from 'ioredis';
import { allocatePorts } from './free-ports.js';
import {
  DEFAULT_APP_KEY_PATTERNS,
  assertPlainConfigValue,
  redact,
  renderDataNodeConfig,
  renderKeyPatterns,
  renderSentinelConfig,
  type TlsConfigInput,
} from './render-config.js';
import { generateTestCertificates, type TlsFiles } from './tls-certs.js';

/**
 * ACL users: `seed` the seed's lines verbatim; `fixed` the seed plus the documented additions;
 * `least-privilege` the app user `default` limited to its key patterns and the module's commands.
 */
export type AclMode = 'seed' | 'fixed' | 'least-privilege';
export const ACL_MODES: readonly AclMode[] = ['seed', 'fixed', 'least-privilege'];

/** PEM contents a client needs to reach a TLS topology. */
export interface TopologyTls {
  /** The CA that signed every node's certificate (trust this). */
  ca: string;
  /** A client certificate signed by the CA (optional for the nodes: `tls-auth-clients optional`). */
  cert: string;
  key: string;
}

export interface Address {
  host: string;
  port: number;
}

export interface TopologyOptions {
  /** Default: allocatePorts(6). */
  ports?: { master: number; replicas: [number, number]; sentinels: [number, number, number] };
  /** Default: fs.mkdtemp(os.tmpdir()/rsc-topology-), removed by stop(). A given directory is kept. */
  workDir?: string;
  /** Default 'fixed'. */
  acl?: AclMode;
  /**
   * Key patterns of the app user `default` in `acl: 'least-privilege'` (without the `~`).
   * Default ['cache:*'] (the module's default namespace). Ignored by the other modes.
   */
  appKeyPatterns?: string[];
  /**
   * TLS only, on every node's port (plain TCP off), replication and sentinel links included, with a
   * throwaway CA made by `openssl` in workDir/tls. Default false.
   */
  tls?: boolean;
  /** Default: 32 random hex characters. */
  password?: string;
  /** Default 'primary'. */
  masterName?: string;
  /** Default 1000. */
  downAfterMs?: number;
  /** Default 10000. */
  failoverTimeoutMs?: number;
  /** Default 20000: bound on the whole start, up to a stable topology. */
  startTimeoutMs?: number;
}

export interface RedisNode {
  role: 'data' | 'sentinel';
  index: number;
  port: number;
  /** PID of the current process (changes on restart()). */
  pid: number;
  address: Address;
  /** Default SIGKILL; resolves when the process exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** Starts again with the same conf/port (after a kill); resolves once it answers PING. */
  restart(): Promise<void>;
  alive(): boolean;
}

export interface Topology {
  readonly masterName: string;
  readonly password: string;
  readonly acl: AclMode;
  readonly workDir: string;
  /** With `tls: true`: the PEMs a client needs (CA, client certificate and key); else undefined. */
  readonly tls: TopologyTls | undefined;
  /** With `tls: true`: the PEM files in workDir/tls (e.g. for `redis-cli --tls --cacert`); else undefined. */
  readonly tlsFiles: TlsFiles | undefined;
  /** Index 0 is the initial master. */
  readonly dataNodes: RedisNode[];
  readonly sentinels: RedisNode[];
  readonly sentinelAddresses: Address[];
  /** The current master according to a majority of reachable sentinels (SENTINEL get-master-addr-by-name, as admin). */
  currentMaster(): Promise<Address>;
  nodeAt(address: Address): RedisNode;
  /** Run a command on a node as the admin user (data nodes) or sentinel admin (sentinels); ioredis with short timeouts, over TLS in a TLS topology. */
  adminCommand(node: RedisNode | Address, ...args: (string | number)[]): Promise<unknown>;
  /**
   * SENTINEL FAILOVER through the first live sentinel (or sentinel `via`, an index into `sentinels`);
   * resolves once every live sentinel names a new master (bounded by timeoutMs, default 30000).
   */
  failover(timeoutMs?: number, via?: number): Promise<{ from: Address; to: Address }>;
  /**
   * Waits until all live sentinels agree on the master, it reports role:master and has `expectedReplicas`
   * (default: live data nodes - 1) replicas online, and every live sentinel sees the others and healthy
   * replicas. Bounded by timeoutMs (default 30000): after a planned failover the old master is demoted by
   * Sentinel only after ~10 s and then needs a full sync (5 s diskless delay), so allow ~20 s.
   */
  waitForStable(timeoutMs?: number, expectedReplicas?: number): Promise<Address>;
  /** Kills every process of this topology (SIGCONT then SIGKILL), waits for exit, removes workDir if it created it. Idempotent. */
  stop(): Promise<void>;
}

export class RedisServerNotFoundError extends Error {
  readonly code = 'REDIS_SERVER_NOT_FOUND';
  constructor(detail = 'redis-server was not found on PATH') {
    super(
      `${detail}. Install Redis (>= 6.2; Sentinel runs as \`redis-server <conf> --sentinel\`): ` +
        '`apt-get update && apt-get install -y redis-server`, set REDIS_SERVER_BIN to its path, ' +
        'or run the containerised topology instead: `docker compose up --wait`.',
    );
    this.name = 'RedisServerNotFoundError';
  }
}

/** A bounded wait ran out, a node died while starting, or a node refused its configuration. */
export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

class PortInUseError extends TopologyError {
  constructor(message: string) {
    super(message);
    this.name = 'PortInUseError';
  }
}

const HOST = '127.0.0.1';
const ADMIN_TIMEOUT_MS = 2000;
const EXIT_TIMEOUT_MS = 10_000;
const POLL_MS = 100;

// ---------------------------------------------------------------------------------------------
// Safety net: SIGKILL every child still running when the Node process exits.

interface ChildRegistry {
  pids: Set<number>;
  /** Temporary work dirs (mkdtemp) of topologies not stopped yet: removed by the exit hook too. */
  tempDirs: Set<string>;
  hookInstalled: boolean;
}
const REGISTRY_KEY = Symbol.for('nestjs-redis-sentinel-cache/topology/children');

/**
 * The real process object. Under jest, the global `process` of a test file is a copy whose
 * 'exit' event never fires; vm.runInThisContext evaluates in Node's main context.
 */
function hostProcess(): NodeJS.Process {
  try {
    const real = vm.runInThisContext('process') as NodeJS.Process | undefined;
    if (real && typeof real.on === 'function' && typeof real.kill === 'function') return real;
  } catch {
    // not available: fall back to the global one
  }
  return process;
}

function childRegistry(): ChildRegistry {
  const host = hostProcess();
  const slot = host as unknown as Record<symbol, ChildRegistry | undefined>;
  let registry = slot[REGISTRY_KEY];
  if (!registry) {
    registry = { pids: new Set(), tempDirs: new Set(), hookInstalled: false };
    slot[REGISTRY_KEY] = registry;
  }
  registry.tempDirs ??= new Set(); // a registry created by an older copy of this module
  if (!registry.hookInstalled) {
    registry.hookInstalled = true;
    const { pids, tempDirs } = registry;
    host.on('exit', () => {
      for (const pid of pids) {
        try {
          host.kill(pid, 'SIGCONT');
        } catch {
          // already gone
        }
        try {
          host.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      pids.clear();
      for (const dir of tempDirs) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          // best effort
        }
      }
      tempDirs.clear();
    });
  }
  return registry;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function addressKey(address: Address): string {
  return `${address.host}:${address.port}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Flat [k1, v1, k2, v2, ...] reply to a record. */
function pairsToRecord(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (!Array.isArray(reply)) return record;
  for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = String(reply[i + 1]);
  return record;
}

function parseAddressReply(reply: unknown): Address | null {
  if (!Array.isArray(reply) || reply.length < 2) return null;
  return { host: String(reply[0]), port: Number(reply[1]) };
}

/** Number of `slaveN:...state=online...` lines in INFO replication. */
function onlineReplicaCount(info: string): number {
  return info.split(/\r?\n/).filter((line) => /^slave\d+:/.test(line) && /(^|[:,])state=online(,|$)/.test(line)).length;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of redis-server: $REDIS_SERVER_BIN, else the first one on $PATH. */
export async function findRedisServer(): Promise<string> {
  const explicit = process.env['REDIS_SERVER_BIN'];
  if (explicit) {
    if (await isExecutable(explicit)) return path.resolve(explicit);
    throw new RedisServerNotFoundError(`REDIS_SERVER_BIN=${explicit} is not an executable file`);
  }
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'redis-server');
    if (await isExecutable(candidate)) return candidate;
  }
  throw new RedisServerNotFoundError();
}

async function redisServerVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (error, stdout) => {
      if (error) return reject(new RedisServerNotFoundError(`${binary} --version failed: ${error.message}`));
      const match = /v=(\d+\.\d+\.\d+)/.exec(stdout);
      resolve(match ? match[1]! : 'unknown');
    });
  });
}

function assertSupportedVersion(version: string): void {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (version !== 'unknown' && (major < 6 || (major === 6 && minor < 2))) {
    throw new TopologyError(`redis-server ${version} is too old: Sentinel ACL users (sentinel-user, auth-user) need Redis >= 6.2`);
  }
}

/** The template directory: next to this module in the source tree, or the source tree seen from build/. */
async function findConfigDir(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env['TOPOLOGY_CONFIG_DIR'],
    path.join(here, 'config'),
    path.resolve(here, '../../../scripts/topology/config'),
    path.resolve(process.cwd(), 'scripts/topology/config'),
  ].filter((dir): dir is string => Boolean(dir));
  for (const dir of candidates) {
    try {
      await access(path.join(dir, 'redis.conf.tmpl'), fsConstants.R_OK);
      return dir;
    } catch {
      // next
    }
  }
  throw new TopologyError(`topology templates not found (looked in: ${candidates.join(', ')}); set TOPOLOGY_CONFIG_DIR`);
}

async function readTail(file: string, maxLines: number, secrets: readonly string[]): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 16 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split(/\r?\n/).filter((line) => line !== '');
    return lines.length === 0 ? '(empty)' : redact(lines.slice(-maxLines).join('\n'), secrets);
  } catch (error) {
    return `(log unavailable: ${errorMessage(error)})`;
  } finally {
    await handle?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes

interface NodeContext {
  binary: string;
  registry: ChildRegistry;
  ping(node: NodeProcess): Promise<void>;
  secrets: readonly string[];
}

class NodeProcess implements RedisNode {
  readonly address: Address;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = false;
  paused = false;

  constructor(
    private readonly ctx: NodeContext,
    readonly role: 'data' | 'sentinel',
    readonly index: number,
    readonly port: number,
    readonly dir: string,
    readonly confPath: string,
    readonly logPath: string,
  ) {
    this.address = { host: HOST, port };
  }

  get name(): string {
    return `${this.role === 'data' ? 'data' : 'sentinel'}-${this.index}`;
  }

  get label(): string {
    return `${this.name} (${addressKey(this.address)})`;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  alive(): boolean {
    return this.running;
  }

  /** Spawns the process; resolves once it is spawned (not yet serving). */
  async spawn(): Promise<void> {
    if (this.running) throw new TopologyError(`${this.label} is already running (pid ${this.pid})`);
    const args = this.role === 'sentinel' ? [this.confPath, '--sentinel'] : [this.confPath];
    // Redis writes its log to `logfile`; early errors (config errors) go to stderr: same file, append mode.
    const fd = openSync(this.logPath, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(this.ctx.binary, args, { cwd: this.dir, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.paused = false;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((error: unknown) => {
      throw new TopologyError(`${this.label}: cannot spawn ${this.ctx.binary}: ${errorMessage(error)}`);
    });
    const pid = child.pid!;
    this.running = true;
    this.ctx.registry.pids.add(pid);
    this.exited = new Promise<void>((resolve) => {
      const onExit = () => {
        this.running = false;
        this.paused = false;
        this.ctx.registry.pids.delete(pid);
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) onExit();
      else child.once('exit', onExit);
    });
    // Do not keep the event loop alive for the children: the exit hook kills them when Node exits.
    child.unref();
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running || !this.child) return;
    const pid = this.child.pid!;
    try {
      process.kill(pid, signal);
      // A stopped process acts on SIGTERM & co only once continued (SIGKILL needs no help).
      if (this.paused && signal !== 'SIGKILL') process.kill(pid, 'SIGCONT');
    } catch {
      // exited meanwhile
    }
    if (await this.waitExit(signal === 'SIGKILL' ? EXIT_TIMEOUT_MS : 15_000)) return;
    if (signal !== 'SIGKILL') {
      // e.g. SIGTERM on a master waits up to shutdown-timeout (10 s) for lagging replicas
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      if (await this.waitExit(EXIT_TIMEOUT_MS)) return;
    }
    throw new TopologyError(`${this.label}: pid ${pid} did not exit after ${signal}`);
  }

  private async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.exited.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  pause(): void {
    if (!this.running || !this.child) throw new TopologyError(`${this.label} is not running`);
    process.kill(this.child.pid!, 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.running || !this.child) throw new TopologyError(`${this.label} is not running`);
    process.kill(this.child.pid!, 'SIGCONT');
    this.paused = false;
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new TopologyError(`${this.label}: the topology was stopped`);
    if (this.running) throw new TopologyError(`${this.label} is still running (pid ${this.pid}): kill() it first`);
    await this.spawn();
    await this.ctx.ping(this);
  }

  /** For stop(): SIGCONT, SIGKILL, wait. No restart afterwards. */
  async destroy(): Promise<void> {
    this.stopped = true;
    if (!this.running || !this.child) return;
    const pid = this.child.pid!;
    for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
    if (!(await this.waitExit(EXIT_TIMEOUT_MS))) {
      throw new TopologyError(`${this.label}: pid ${pid} did not exit after SIGKILL`);
    }
  }

  tail(lines = 20): Promise<string> {
    return readTail(this.logPath, lines, this.ctx.secrets);
  }
}

// ---------------------------------------------------------------------------------------------
// Topology

interface Settings {
  binary: string;
  ports: { master: number; replicas: [number, number]; sentinels: [number, number, number] };
  workDir: string;
  ownsWorkDir: boolean;
  acl: AclMode;
  appKeyPatterns: readonly string[];
  tls: boolean;
  password: string;
  masterName: string;
  downAfterMs: number;
  failoverTimeoutMs: number;
  startTimeoutMs: number;
}

type Probe = { ok: true; master: Address } | { ok: false; reason: string; nodes: NodeProcess[] };

class LocalTopology implements Topology {
  readonly masterName: string;
  readonly password: string;
  readonly acl: AclMode;
  readonly workDir: string;
  tls: TopologyTls | undefined;
  tlsFiles: TlsFiles | undefined;
  readonly dataNodes: NodeProcess[];
  readonly sentinels: NodeProcess[];
  readonly sentinelAddresses: Address[];
  private readonly settings: Settings;
  /** Redacted from node logs and error messages: the password, and the client key once made. */
  private readonly secrets: string[];
  private stopping: Promise<void> | undefined;

  constructor(settings: Settings) {
    this.settings = settings;
    this.masterName = settings.masterName;
    this.password = settings.password;
    this.acl = settings.acl;
    this.workDir = settings.workDir;
    this.tls = undefined;
    this.tlsFiles = undefined;
    this.secrets = [settings.password];
    const ctx: NodeContext = {
      binary: settings.binary,
      registry: childRegistry(),
      ping: (node) => this.waitForPing(node, Date.now() + settings.startTimeoutMs),
      secrets: this.secrets,
    };
    const make = (role: 'data' | 'sentinel', index: number, port: number) => {
      const dir = path.join(settings.workDir, `${role}-${index}`);
      const conf = path.join(dir, role === 'data' ? 'redis.conf' : 'sentinel.conf');
      return new NodeProcess(ctx, role, index, port, dir, conf, path.join(dir, `${role}-${index}.log`));
    };
    const { ports } = settings;
    this.dataNodes = [ports.master, ...ports.replicas].map((port, i) => make('data', i, port));
    this.sentinels = ports.sentinels.map((port, i) => make('sentinel', i, port));
    this.sentinelAddresses = this.sentinels.map((s) => ({ ...s.address }));
  }

  // -- start -----------------------------------------------------------------------------------

  async launch(): Promise<void> {
    const { settings } = this;
    const deadline = Date.now() + settings.startTimeoutMs;
    const configDir = await findConfigDir();
    const [redisTmpl, usersTmpl, sentinelTmpl, sentinelUsersTmpl, tlsTmpl] = await Promise.all(
      [
        'redis.conf.tmpl',
        `users.${settings.acl}.acl.tmpl`,
        'sentinel.conf.tmpl',
        `sentinel-users.${settings.acl}.acl.tmpl`,
        ...(settings.tls ? ['tls.conf.tmpl'] : []),
      ].map((name) => readFile(path.join(configDir, name), 'utf8')),
    );
    const master = this.dataNodes[0]!;

    // Fresh node directories (a reused workDir must not bring back an old dump.rdb or sentinel state).
    for (const node of [...this.dataNodes, ...this.sentinels]) {
      await rm(node.dir, { recursive: true, force: true });
      await mkdir(node.dir, { recursive: true, mode: 0o700 });
    }
    let tls: TlsConfigInput | undefined;
    if (settings.tls) {
      const tlsDir = path.join(this.workDir, 'tls');
      await rm(tlsDir, { recursive: true, force: true });
      const material = await generateTestCertificates(tlsDir, { timeoutMs: Math.max(1, Math.min(15_000, deadline - Date.now())) });
      this.tls = material.client;
      this.tlsFiles = material.files;
      this.secrets.push(material.client.key);
      tls = { template: tlsTmpl!, certFile: material.files.serverCert, keyFile: material.files.serverKey, caCertFile: material.files.ca };
    }
    for (const node of this.dataNodes) {
      const aclfile = path.join(node.dir, 'users.acl');
      const rendered = renderDataNodeConfig({
        template: redisTmpl!,
        usersTemplate: usersTmpl!,
        port: node.port,
        dir: node.dir,
        logfile: node.logPath,
        aclfile,
        password: settings.password,
        replicaOf: node === master ? undefined : { host: HOST, port: master.port },
        tls,
        appKeyPatterns: settings.appKeyPatterns,
      });
      await writeFile(aclfile, rendered.acl, { mode: 0o600 });
      await writeFile(node.confPath, rendered.conf, { mode: 0o600 });
    }
    for (const node of this.sentinels) {
      const conf = renderSentinelConfig({
        template: sentinelTmpl!,
        usersTemplate: sentinelUsersTmpl!,
        port: node.port,
        dir: node.dir,
        logfile: node.logPath,
        password: settings.password,
        masterName: settings.masterName,
        masterPort: master.port,
        downAfterMs: settings.downAfterMs,
        failoverTimeoutMs: settings.failoverTimeoutMs,
        tls,
      });
      await writeFile(node.confPath, conf, { mode: 0o600 });
    }

    await master.spawn();
    await this.waitForPing(master, deadline);
    const replicas = this.dataNodes.slice(1);
    await Promise.all(replicas.map((node) => node.spawn()));
    await Promise.all(replicas.map((node) => this.waitForPing(node, deadline)));
    await this.waitForReplication(master, replicas, deadline);
    await Promise.all(this.sentinels.map((node) => node.spawn()));
    await Promise.all(this.sentinels.map((node) => this.waitForPing(node, deadline)));
    await this.waitForStable(Math.max(deadline - Date.now(), 1));
  }

  /**
   * Until the node answers as admin, and it is our process (INFO server process_id): a port taken by
   * another Redis with the same password must not pass for our node. Fails fast if the process exits.
   */
  private async waitForPing(node: NodeProcess, deadline: number): Promise<void> {
    let lastError = 'no answer yet';
    for (;;) {
      if (!node.alive()) {
        const tail = await node.tail(30);
        const message = `${node.label} exited while starting (conf ${node.confPath}).\n${this.formatTail(node, tail)}`;
        throw /Address already in use/i.test(tail) ? new PortInUseError(message) : new TopologyError(message);
      }
      let answeringPid: number | undefined;
      try {
        const info = String(await this.adminCommand(node, 'INFO', 'server'));
        answeringPid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
      } catch (error) {
        lastError = errorMessage(error);
      }
      if (answeringPid === node.pid) return;
      if (answeringPid !== undefined) {
        throw new PortInUseError(
          `${node.label}: port ${node.port} is served by another Redis process (pid ${answeringPid}), not by ours (pid ${node.pid}).\n` +
            (await this.tails([node])),
        );
      }
      if (Date.now() >= deadline) {
        throw new TopologyError(
          `${node.label} did not answer as admin in time (last error: ${redact(lastError, this.secrets)}).\n` +
            (await this.tails([node])),
        );
      }
      await sleep(50);
    }
  }

  /** Until the master lists every replica as online: replicas sync before the sentinels start. */
  private async waitForReplication(master: NodeProcess, replicas: NodeProcess[], deadline: number): Promise<void> {
    let last = 'no answer yet';
    for (;;) {
      try {
        const info = String(await this.adminCommand(master, 'INFO', 'replication'));
        const online = onlineReplicaCount(info);
        if (online >= replicas.length) return;
        last = `${online}/${replicas.length} replicas online`;
      } catch (error) {
        last = errorMessage(error);
      }
      for (const node of [master, ...replicas]) {
        if (!node.alive()) {
          throw new TopologyError(`${node.label} exited during the initial sync.\n${await this.tails([node])}`);
        }
      }
      if (Date.now() >= deadline) {
        throw new TopologyError(
          `replicas did not sync with the master in time (${last}).\n${await this.tails([master, ...replicas])}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  // -- queries ---------------------------------------------------------------------------------

  async adminCommand(target: RedisNode | Address, ...args: (string | number)[]): Promise<unknown> {
    const address = 'role' in target ? target.address : target;
    if (args.length === 0) throw new TypeError('adminCommand: no command');
    const client = new Redis({
      host: address.host,
      port: address.port,
      username: 'admin',
      password: this.password,
      lazyConnect: true,
      connectTimeout: ADMIN_TIMEOUT_MS,
      commandTimeout: ADMIN_TIMEOUT_MS,
      retryStrategy: null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      disableClientInfo: true,
      protocol: 2,
      // Every node of a TLS topology has the same certificate (SAN IP:127.0.0.1), signed by our CA.
      tls: this.tls,
      // disconnect() ends the socket gracefully and destroys it after this delay if the peer does not
      // close (a paused node never does): keep it short so no timer outlives the call for long.
      disconnectTimeout: 200,
    });
    client.on('error', () => {
      // reported through the rejected promise below
    });
    try {
      await client.connect();
      return await client.call(String(args[0]), ...args.slice(1));
    } catch (error) {
      throw new TopologyError(
        redact(`${addressKey(address)} ${args.map(String).join(' ')}: ${errorMessage(error)}`, this.secrets),
      );
    } finally {
      // ioredis 6: disconnect() on an already closed connection arms a disconnectTimeout timer that
      // nothing clears (the socket's 'close' already fired), keeping Node alive for that long.
      if (client.status !== 'end') client.disconnect();
    }
  }

  nodeAt(address: Address): NodeProcess {
    const local = address.host === HOST || address.host === 'localhost';
    const node = local ? [...this.dataNodes, ...this.sentinels].find((n) => n.port === address.port) : undefined;
    if (!node) throw new TopologyError(`no node of this topology at ${addressKey(address)}`);
    return node;
  }

  private responsiveSentinels(): NodeProcess[] {
    return this.sentinels.filter((s) => s.alive() && !s.paused);
  }

  private async askSentinels(): Promise<{ sentinel: NodeProcess; address?: Address; error?: string }[]> {
    return Promise.all(
      this.responsiveSentinels().map(async (sentinel) => {
        try {
          const reply = await this.adminCommand(sentinel, 'SENTINEL', 'get-master-addr-by-name', this.masterName);
          const address = parseAddressReply(reply);
          return address ? { sentinel, address } : { sentinel, error: `unexpected reply ${JSON.stringify(reply)}` };
        } catch (error) {
          return { sentinel, error: errorMessage(error) };
        }
      }),
    );
  }

  async currentMaster(): Promise<Address> {
    const answers = await this.askSentinels();
    const reachable = answers.filter((a) => a.address);
    const votes = new Map<string, { address: Address; count: number }>();
    for (const { address } of reachable) {
      const key = addressKey(address!);
      const entry = votes.get(key) ?? { address: address!, count: 0 };
      entry.count += 1;
      votes.set(key, entry);
    }
    for (const { address, count } of votes.values()) {
      if (count * 2 > reachable.length) return address;
    }
    throw new TopologyError(`no majority of reachable sentinels names a master: ${describeAnswers(answers)}`);
  }

  async failover(timeoutMs = 30_000, viaIndex?: number): Promise<{ from: Address; to: Address }> {
    const deadline = Date.now() + timeoutMs;
    const from = await this.currentMaster();
    let via: NodeProcess | undefined;
    for (;;) {
      via = viaIndex === undefined ? this.responsiveSentinels()[0] : this.sentinels[viaIndex];
      if (!via || !via.alive() || via.paused) throw new TopologyError(`failover: sentinel ${viaIndex ?? 'any'} is not live`);
      try {
        await this.adminCommand(via, 'SENTINEL', 'FAILOVER', this.masterName);
        break;
      } catch (error) {
        // NOGOODSLAVE right after a start or a previous failover: the replicas are not yet eligible.
        if (!/NOGOODSLAVE|INPROG/.test(errorMessage(error)) || Date.now() >= deadline) {
          throw new TopologyError(`failover: SENTINEL FAILOVER via ${via.label} failed: ${errorMessage(error)}`);
        }
        await sleep(250);
      }
    }
    let answers: Awaited<ReturnType<LocalTopology['askSentinels']>> = [];
    for (;;) {
      answers = await this.askSentinels();
      const named = new Set(answers.map((a) => (a.address ? addressKey(a.address) : `error:${a.error}`)));
      const first = answers[0]?.address;
      if (answers.length > 0 && named.size === 1 && first && addressKey(first) !== addressKey(from)) {
        return { from, to: first };
      }
      if (Date.now() >= deadline) {
        throw new TopologyError(
          `failover of ${addressKey(from)} via ${via.label} not observed by every live sentinel within ${timeoutMs} ms: ` +
            `${describeAnswers(answers)}\n${await this.tails(this.responsiveSentinels())}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  async waitForStable(timeoutMs = 30_000, expectedReplicas?: number): Promise<Address> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const probe = await this.probeStable(expectedReplicas);
      if (probe.ok) return probe.master;
      if (Date.now() >= deadline) {
        throw new TopologyError(
          `topology not stable within ${timeoutMs} ms: ${probe.reason}\n${await this.tails(probe.nodes)}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  private async probeStable(expectedReplicas?: number): Promise<Probe> {
    const sentinels = this.responsiveSentinels();
    if (sentinels.length === 0) return { ok: false, reason: 'no live sentinel', nodes: [] };
    const answers = await this.askSentinels();
    const failed = answers.filter((a) => !a.address);
    if (failed.length > 0) return { ok: false, reason: describeAnswers(answers), nodes: failed.map((a) => a.sentinel) };
    const named = new Set(answers.map((a) => addressKey(a.address!)));
    if (named.size !== 1) return { ok: false, reason: `sentinels disagree: ${describeAnswers(answers)}`, nodes: sentinels };
    const masterAddress = answers[0]!.address!;
    let master: NodeProcess;
    try {
      master = this.nodeAt(masterAddress);
    } catch (error) {
      return { ok: false, reason: errorMessage(error), nodes: sentinels };
    }
    if (!master.alive()) {
      return { ok: false, reason: `sentinels name ${master.label}, which is not running`, nodes: sentinels };
    }
    const expected = expectedReplicas ?? this.dataNodes.filter((n) => n.alive() && !n.paused).length - 1;
    try {
      const role = await this.adminCommand(master, 'ROLE');
      if (!Array.isArray(role) || role[0] !== 'master') {
        return { ok: false, reason: `${master.label} reports role ${JSON.stringify(role)}`, nodes: [master] };
      }
      const online = onlineReplicaCount(String(await this.adminCommand(master, 'INFO', 'replication')));
      if (online < expected) {
        return { ok: false, reason: `${master.label} has ${online}/${expected} replicas online`, nodes: [master, ...this.dataNodes.filter((n) => n !== master)] };
      }
    } catch (error) {
      return { ok: false, reason: errorMessage(error), nodes: [master] };
    }
    for (const sentinel of sentinels) {
      try {
        const info = pairsToRecord(await this.adminCommand(sentinel, 'SENTINEL', 'master', this.masterName));
        const others = Number(info['num-other-sentinels']);
        const slaves = Number(info['num-slaves']);
        if (info['flags'] !== 'master' || others < sentinels.length - 1 || slaves < expected) {
          return {
            ok: false,
            reason: `${sentinel.label}: master flags=${info['flags']}, num-other-sentinels=${others} (want >= ${sentinels.length - 1}), num-slaves=${slaves} (want >= ${expected})`,
            nodes: [sentinel],
          };
        }
        const replies = await this.adminCommand(sentinel, 'SENTINEL', 'replicas', this.masterName);
        const good = (Array.isArray(replies) ? replies : [])
          .map(pairsToRecord)
          .filter((r) => r['flags'] === 'slave' && r['master-link-status'] === 'ok').length;
        if (good < expected) {
          return { ok: false, reason: `${sentinel.label} sees ${good}/${expected} healthy replicas`, nodes: [sentinel] };
        }
      } catch (error) {
        return { ok: false, reason: errorMessage(error), nodes: [sentinel] };
      }
    }
    return { ok: true, master: masterAddress };
  }

  // -- stop ------------------------------------------------------------------------------------

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const results = await Promise.allSettled([...this.sentinels, ...this.dataNodes].map((node) => node.destroy()));
    if (this.settings.ownsWorkDir) {
      await rm(this.workDir, { recursive: true, force: true });
      childRegistry().tempDirs.delete(this.workDir);
    }
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      throw new TopologyError(`stop: ${failures.map((f) => errorMessage(f.reason)).join('; ')}`);
    }
  }

  // -- logs ------------------------------------------------------------------------------------

  private formatTail(node: NodeProcess, tail: string): string {
    return `--- ${node.label}: last lines of ${node.logPath} ---\n${tail}`;
  }

  private async tails(nodes: NodeProcess[]): Promise<string> {
    const unique = [...new Set(nodes)];
    const parts = await Promise.all(unique.map(async (node) => this.formatTail(node, await node.tail(15))));
    return parts.join('\n');
  }
}

function describeAnswers(answers: { sentinel: NodeProcess; address?: Address; error?: string }[]): string {
  if (answers.length === 0) return 'no live sentinel';
  return answers
    .map((a) => `${a.sentinel.label} -> ${a.address ? addressKey(a.address) : `error: ${a.error}`}`)
    .join('; ');
}

function validatePorts(ports: Settings['ports']): void {
  const all = [ports.master, ...ports.replicas, ...ports.sentinels];
  if (all.length !== 6 || all.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new TopologyError(`invalid ports: ${JSON.stringify(ports)}`);
  }
  if (new Set(all).size !== all.length) throw new TopologyError(`ports must be distinct: ${JSON.stringify(ports)}`);
}

async function startOnce(binary: string, options: TopologyOptions): Promise<LocalTopology> {
  let ports = options.ports;
  if (!ports) {
    const [master, r1, r2, s1, s2, s3] = await allocatePorts(6);
    ports = { master: master!, replicas: [r1!, r2!], sentinels: [s1!, s2!, s3!] };
  }
  validatePorts(ports);
  const password = options.password ?? randomBytes(16).toString('hex');
  assertPlainConfigValue('password', password);
  const acl = options.acl ?? 'fixed';
  if (!ACL_MODES.includes(acl)) throw new TopologyError(`acl must be one of ${ACL_MODES.join(', ')}, got ${String(acl)}`);
  const appKeyPatterns = options.appKeyPatterns ?? [...DEFAULT_APP_KEY_PATTERNS];
  try {
    renderKeyPatterns(appKeyPatterns);
  } catch (error) {
    throw new TopologyError(errorMessage(error));
  }

  let workDir: string;
  let ownsWorkDir: boolean;
  if (options.workDir) {
    workDir = path.resolve(options.workDir);
    await mkdir(workDir, { recursive: true });
    ownsWorkDir = false;
  } else {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'rsc-topology-'));
    ownsWorkDir = true;
    childRegistry().tempDirs.add(workDir);
  }

  const topology = new LocalTopology({
    binary,
    ports,
    workDir,
    ownsWorkDir,
    acl,
    appKeyPatterns,
    tls: options.tls === true,
    password,
    masterName: options.masterName ?? 'primary',
    downAfterMs: options.downAfterMs ?? 1000,
    failoverTimeoutMs: options.failoverTimeoutMs ?? 10_000,
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
  });
  try {
    await topology.launch();
    return topology;
  } catch (error) {
    await topology.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts master, then the replicas (replicaof the master) and waits for their sync, then the
 * sentinels, then waits for a stable topology. On any failure, stops whatever it started and
 * rethrows. With allocated ports, a lost port race ("Address already in use") is retried.
 */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const binary = await findRedisServer();
  assertSupportedVersion(await redisServerVersion(binary));
  const attempts = options.ports ? 1 : 3;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(binary, options);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= attempts) throw error;
    }
  }
}
