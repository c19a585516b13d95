/**
 * Foreground launcher of the local Sentinel topology (1 master + 2 replicas + 3 sentinels on 127.0.0.1).
 *
 *   node build/scripts/topology/cli.js start --base-port 16379 --work-dir .topology/dev [--acl seed|fixed|least-privilege]
 *     [--app-key-pattern 'cache:*' ...] [--tls] [--password X]
 *
 * Ports: master = base, replicas = base+1, base+2, sentinels = base+10000 .. base+10002
 * (16379 -> sentinels 26379, 26380, 26381). Without --base-port, free ports are allocated.
 * The password comes from --password, else $REDIS_PASSWORD, else it is generated and printed once.
 * With --tls, every node listens with TLS only; the throwaway CA and a client certificate are in
 * <work-dir>/tls (ca.crt, client.crt, client.key).
 * Writes <work-dir>/topology.json (addresses and pids, no password) and <work-dir>/password (mode 0600);
 * Ctrl-C / SIGTERM stops everything and removes both.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ACL_MODES, startTopology, type AclMode, type Topology, type TopologyOptions } from './topology.js';

const USAGE = `Usage: node build/scripts/topology/cli.js start [options]

Options:
  --base-port N            master N, replicas N+1 and N+2, sentinels N+10000..N+10002 (default: free ports)
  --work-dir DIR           confs, aclfiles and logs (default: a temporary directory, removed on stop)
  --acl seed|fixed|least-privilege
                           ACL users: the seed's, the seed's with the documented additions, or the app
                           user limited to its key patterns and the module's commands (default: fixed)
  --app-key-pattern P      with --acl least-privilege: a key pattern of the app user, repeatable
                           (default: cache:*)
  --tls                    TLS only (plain TCP off), replication and sentinel links included; a
                           throwaway CA and certificates are made with openssl in <work-dir>/tls
  --password X             password of every ACL user (default: $REDIS_PASSWORD, else generated)
  --master-name NAME       Sentinel master name (default: primary)
  --down-after-ms N        sentinel down-after-milliseconds (default: 1000)
  --failover-timeout-ms N  sentinel failover-timeout (default: 10000)
  --start-timeout-ms N     bound on the start (default: 20000)
  -h, --help`;

export interface CliCommand {
  command: 'start' | 'help';
  options: TopologyOptions;
  /** True if the password was neither passed nor in $REDIS_PASSWORD (then startTopology generates it). */
  generatedPassword: boolean;
}

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got "${value}"`);
  return n;
}

export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'base-port': { type: 'string' },
      'work-dir': { type: 'string' },
      acl: { type: 'string' },
      'app-key-pattern': { type: 'string', multiple: true },
      tls: { type: 'boolean' },
      password: { type: 'string' },
      'master-name': { type: 'string' },
      'down-after-ms': { type: 'string' },
      'failover-timeout-ms': { type: 'string' },
      'start-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) return { command: 'help', options: {}, generatedPassword: false };
  if (positionals[0] !== 'start' || positionals.length > 1) throw new Error(`unknown command: ${positionals.join(' ')}`);

  const options: TopologyOptions = {};
  const base = intOption('base-port', values['base-port'], 1, 65535 - 10002);
  if (base !== undefined) {
    options.ports = { master: base, replicas: [base + 1, base + 2], sentinels: [base + 10000, base + 10001, base + 10002] };
  }
  if (values['work-dir']) options.workDir = path.resolve(values['work-dir']);
  if (values.acl !== undefined) {
    if (!ACL_MODES.includes(values.acl as AclMode)) throw new Error(`--acl must be ${ACL_MODES.join(', ')}; got "${values.acl}"`);
    options.acl = values.acl as AclMode;
  }
  if (values['app-key-pattern'] !== undefined) {
    if (options.acl !== 'least-privilege') throw new Error('--app-key-pattern needs --acl least-privilege');
    options.appKeyPatterns = values['app-key-pattern'];
  }
  if (values.tls) options.tls = true;
  const password = values.password ?? (env['REDIS_PASSWORD'] || undefined);
  if (password !== undefined) options.password = password;
  if (values['master-name']) options.masterName = values['master-name'];
  const downAfterMs = intOption('down-after-ms', values['down-after-ms'], 1, 3_600_000);
  if (downAfterMs !== undefined) options.downAfterMs = downAfterMs;
  const failoverTimeoutMs = intOption('failover-timeout-ms', values['failover-timeout-ms'], 1, 3_600_000);
  if (failoverTimeoutMs !== undefined) options.failoverTimeoutMs = failoverTimeoutMs;
  const startTimeoutMs = intOption('start-timeout-ms', values['start-timeout-ms'], 1, 3_600_000);
  if (startTimeoutMs !== undefined) options.startTimeoutMs = startTimeoutMs;
  return { command: 'start', options, generatedPassword: password === undefined };
}

function describe(topology: Topology, elapsedMs: number, generatedPassword: boolean): string {
  const [master, ...replicas] = topology.dataNodes;
  const row = (label: string, node: { address: { host: string; port: number }; pid: number }) =>
    `  ${label.padEnd(10)} ${`${node.address.host}:${node.address.port}`.padEnd(17)} pid ${node.pid}`;
  const lines = [
    `Redis Sentinel topology up in ${(elapsedMs / 1000).toFixed(1)} s (master name "${topology.masterName}", ACL ${topology.acl}${topology.tls ? ', TLS only' : ''})`,
    row('master', master!),
    ...replicas.map((node) => row('replica', node)),
    ...topology.sentinels.map((node) => row('sentinel', node)),
    `  work dir   ${topology.workDir}`,
    `  sentinels  ${topology.sentinelAddresses.map((a) => `${a.host}:${a.port}`).join(',')}`,
    '  users      data nodes: admin, replica, sentinel, default; sentinels: admin, default (one password)',
    ...(topology.tlsFiles
      ? [`  tls        CA ${topology.tlsFiles.ca}, client certificate ${topology.tlsFiles.clientCert} (key beside it)`]
      : []),
    `  try        redis-cli -p ${topology.sentinelAddresses[0]!.port}${topology.tlsFiles ? ` --tls --cacert ${topology.tlsFiles.ca}` : ''} --user admin --askpass SENTINEL get-master-addr-by-name ${topology.masterName}`,
  ];
  lines.push(
    `  password   in ${passwordFile(topology)} (readable by you only; ${generatedPassword ? 'generated for this run' : 'the one you supplied'})`,
    `             e.g. REDISCLI_AUTH="$(cat ${passwordFile(topology)})" redis-cli ...`,
  );
  lines.push('Ctrl-C (SIGINT) or SIGTERM stops every process.');
  return lines.join('\n');
}

function passwordFile(topology: Topology): string {
  return path.join(topology.workDir, 'password');
}

async function writeDescription(topology: Topology): Promise<string> {
  const file = path.join(topology.workDir, 'topology.json');
  const json = {
    masterName: topology.masterName,
    acl: topology.acl,
    tls: topology.tlsFiles ? { ca: topology.tlsFiles.ca, cert: topology.tlsFiles.clientCert, key: topology.tlsFiles.clientKey } : null,
    master: topology.dataNodes[0]!.address,
    replicas: topology.dataNodes.slice(1).map((n) => n.address),
    sentinels: topology.sentinelAddresses,
    pids: Object.fromEntries([...topology.dataNodes, ...topology.sentinels].map((n) => [`${n.role}-${n.index}`, n.pid])),
    cliPid: process.pid,
  };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  await rm(passwordFile(topology), { force: true }); // writeFile keeps the mode of a file left by a crash
  await writeFile(passwordFile(topology), topology.password, { mode: 0o600 });
  return file;
}

/** Removes what writeDescription wrote, so no stale pids or password outlive the topology. */
async function removeDescription(topology: Topology): Promise<void> {
  await rm(path.join(topology.workDir, 'topology.json'), { force: true });
  await rm(passwordFile(topology), { force: true });
}

export async function main(argv: string[]): Promise<number> {
  let parsed: CliCommand;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.command === 'help') {
    console.log(USAGE);
    return 0;
  }

  const started = Date.now();
  let topology: Topology;
  try {
    topology = await startTopology(parsed.options);
  } catch (error) {
    console.error(`Could not start the topology: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(describe(topology, Date.now() - started, parsed.generatedPassword));
  console.log(`  (addresses and pids in ${await writeDescription(topology)})`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const reported = new Set<string>();
    // Children are unref'd: this interval keeps the CLI in the foreground, and reports dead nodes.
    const watch = setInterval(() => {
      for (const node of [...topology.dataNodes, ...topology.sentinels]) {
        const key = `${node.role}-${node.index}`;
        if (!node.alive() && !reported.has(key)) {
          reported.add(key);
          console.log(`${new Date().toISOString()} ${key} (${node.address.host}:${node.address.port}) is not running`);
        } else if (node.alive()) {
          reported.delete(key);
        }
      }
    }, 1000);
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`${signal} again: exiting now (the exit hook SIGKILLs the remaining processes)`);
        process.exit(130);
      }
      stopping = true;
      console.log(`${signal}: stopping...`);
      clearInterval(watch);
      topology.stop().then(removeDescription.bind(null, topology)).then(
        () => {
          console.log('stopped');
          resolve(0);
        },
        (error: unknown) => {
          console.error(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
