import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors/redis-sentinel-cache.errors.js';
import { type ResolvedOptions, validateOptions } from '../options/validate-options.js';
import { integerText, parseAddressList, parseNatMapText } from './env-options.js';
import type { Credentials } from './probe-connection.js';

export const DOCTOR_USAGE = `Usage: nestjs-redis-sentinel-cache doctor [options]

Checks a Redis Sentinel deployment with the options the app gives forRoot(): sentinels, master,
replicas, the ACL rules the module needs, announced addresses; optionally a real failover drill.
Each option comes from a flag, else an environment variable, else the JSON config file.
Passwords come from the environment or from files, never from the command line.

Connection (the module's options):
  --config FILE                 JSON file with forRoot() options (sentinels, name, username, password, ...)
  --sentinels HOST:PORT,...     sentinels                              (REDIS_SENTINELS)
  --name NAME                   master group name                      (REDIS_MASTER_NAME, default primary)
  --user NAME                   ACL user on the data nodes             (REDIS_USERNAME)
  --password-file FILE          its password                           (REDIS_PASSWORD)
  --sentinel-user NAME          ACL user on the sentinels              (REDIS_SENTINEL_USERNAME)
  --sentinel-password-file FILE its password                           (REDIS_SENTINEL_PASSWORD)
  --db N                        logical database                       (REDIS_DB, default 0)
  --namespace NS                key prefix of the cache                (CACHE_NAMESPACE, default cache)
  --nat-map A:P=H:P,...         announced address = reachable address  (REDIS_NAT_MAP)
  --tls, --tls-ca FILE, --tls-cert FILE, --tls-key FILE
                                TLS to the data nodes
  --sentinel-tls, --sentinel-tls-ca FILE, --sentinel-tls-cert FILE, --sentinel-tls-key FILE
                                TLS to the sentinels

Admin user (optional: exact ACL answers with ACL DRYRUN, replication details; required by --failover):
  --admin-user NAME             on the data nodes and sentinels        (REDIS_ADMIN_USERNAME)
  --admin-password-file FILE                                           (REDIS_ADMIN_PASSWORD)
  --sentinel-admin-user NAME    on the sentinels, if different         (REDIS_SENTINEL_ADMIN_USERNAME)
  --sentinel-admin-password-file FILE                                  (REDIS_SENTINEL_ADMIN_PASSWORD)

Run:
  --failover --yes              also run a real SENTINEL FAILOVER and time it (refused without --yes)
  --failover-timeout MS         bound on the drill (default 30000)
  --timeout MS                  bound on each connection and command (default: connectTimeout, 2000)
  --deadline MS                 bound on the whole run without the drill (default 10000)
  --json                        one JSON document on stdout (for CI)
  -h, --help

Exit status: 0 every check ok, 1 warnings, 2 failures (or invalid options).`;

/** What one doctor run needs. */
export interface DoctorSettings {
  options: ResolvedOptions;
  /** An admin user, for ACL DRYRUN and the failover drill, per kind of node. */
  admin: { data?: Credentials; sentinel?: Credentials };
  json: boolean;
  failover: boolean;
  failoverTimeout: number;
  timeout: number;
  deadline: number;
}

export type DoctorCommand = { kind: 'help' } | { kind: 'run'; settings: DoctorSettings };

type Env = Record<string, string | undefined>;
type ReadFile = (path: string) => string;

const FLAGS = {
  config: { type: 'string' },
  sentinels: { type: 'string' },
  name: { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  'sentinel-user': { type: 'string' },
  'sentinel-password-file': { type: 'string' },
  db: { type: 'string' },
  namespace: { type: 'string' },
  'nat-map': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'sentinel-tls': { type: 'boolean' },
  'sentinel-tls-ca': { type: 'string' },
  'sentinel-tls-cert': { type: 'string' },
  'sentinel-tls-key': { type: 'string' },
  'admin-user': { type: 'string' },
  'admin-password-file': { type: 'string' },
  'sentinel-admin-user': { type: 'string' },
  'sentinel-admin-password-file': { type: 'string' },
  failover: { type: 'boolean' },
  yes: { type: 'boolean' },
  'failover-timeout': { type: 'string' },
  timeout: { type: 'string' },
  deadline: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags that would put a secret on the command line (and in `ps` and the shell history). */
const SECRET_FLAGS: Record<string, string> = {
  password: 'REDIS_PASSWORD or --password-file',
  'sentinel-password': 'REDIS_SENTINEL_PASSWORD or --sentinel-password-file',
  'admin-password': 'REDIS_ADMIN_PASSWORD or --admin-password-file',
  'sentinel-admin-password': 'REDIS_SENTINEL_ADMIN_PASSWORD or --sentinel-admin-password-file',
};

function readSecret(path: string, flag: string, readFile: ReadFile): string {
  try {
    return readFile(path).replace(/\r?\n$/, '');
  } catch (error) {
    throw new InvalidOptionError(`--${flag}`, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function positiveMs(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidOptionError(`--${flag}`, `must be a positive number of ms, got "${value}"`);
  return Number(value);
}

function parseFlags(argv: string[]) {
  const secret = argv.map((arg) => /^--([a-z-]+)(=|$)/.exec(arg)?.[1]).find((flag) => flag !== undefined && flag in SECRET_FLAGS);
  if (secret) {
    throw new InvalidOptionError(`--${secret}`, `passwords are not taken on the command line (ps, shell history): use ${SECRET_FLAGS[secret]}`);
  }
  try {
    return parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    const flag = /option '([^']+)'/.exec((error as Error).message)?.[1] ?? 'arguments';
    throw new InvalidOptionError(flag, `${(error as Error).message.replace(/\. To specify.*$/s, '')}; see --help`);
  }
}

/**
 * The options object for validateOptions: the config file, then the environment, then the flags
 * (each later source wins), and where each option came from (for error messages).
 */
function gatherOptions(values: ReturnType<typeof parseFlags>['values'], env: Env, readFile: ReadFile) {
  const input: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const set = (option: string, value: unknown, source: string) => {
    if (value === undefined || value === '') return;
    input[option] = value;
    sources[option] = source;
  };
  if (values.config) {
    let file: unknown;
    try {
      file = JSON.parse(readFile(values.config));
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      throw new InvalidOptionError('--config', `${values.config}: ${reason}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new InvalidOptionError('--config', `${values.config} must hold a JSON object`);
    for (const [option, value] of Object.entries(file)) set(option, value, values.config);
  }
  set('sentinels', env.REDIS_SENTINELS ? parseAddressList(env.REDIS_SENTINELS) : undefined, 'REDIS_SENTINELS');
  set('name', env.REDIS_MASTER_NAME, 'REDIS_MASTER_NAME');
  set('username', env.REDIS_USERNAME, 'REDIS_USERNAME');
  set('password', env.REDIS_PASSWORD, 'REDIS_PASSWORD');
  set('sentinelUsername', env.REDIS_SENTINEL_USERNAME, 'REDIS_SENTINEL_USERNAME');
  set('sentinelPassword', env.REDIS_SENTINEL_PASSWORD, 'REDIS_SENTINEL_PASSWORD');
  set('db', env.REDIS_DB ? integerText(env.REDIS_DB) : undefined, 'REDIS_DB');
  set('namespace', env.CACHE_NAMESPACE, 'CACHE_NAMESPACE');
  set('natMap', env.REDIS_NAT_MAP ? parseNatMapText(env.REDIS_NAT_MAP, 'REDIS_NAT_MAP') : undefined, 'REDIS_NAT_MAP');

  set('sentinels', values.sentinels !== undefined ? parseAddressList(values.sentinels) : undefined, '--sentinels');
  set('name', values.name, '--name');
  set('username', values.user, '--user');
  set('password', values['password-file'] && readSecret(values['password-file'], 'password-file', readFile), '--password-file');
  set('sentinelUsername', values['sentinel-user'], '--sentinel-user');
  const sentinelPasswordFile = values['sentinel-password-file'];
  set('sentinelPassword', sentinelPasswordFile && readSecret(sentinelPasswordFile, 'sentinel-password-file', readFile), '--sentinel-password-file');
  set('db', values.db !== undefined ? integerText(values.db) : undefined, '--db');
  set('namespace', values.namespace, '--namespace');
  set('natMap', values['nat-map'] !== undefined ? parseNatMapText(values['nat-map'], '--nat-map') : undefined, '--nat-map');
  for (const [option, prefix] of [['tls', 'tls'], ['sentinelTLS', 'sentinel-tls']] as const) {
    const files = { caFile: values[`${prefix}-ca`], certFile: values[`${prefix}-cert`], keyFile: values[`${prefix}-key`] };
    if (!values[prefix] && Object.values(files).every((file) => file === undefined)) continue;
    const base = typeof input[option] === 'object' && input[option] !== null ? (input[option] as Record<string, unknown>) : {};
    set(option, { ...base, ...Object.fromEntries(Object.entries(files).filter(([, file]) => file !== undefined)) }, `--${prefix}`);
  }
  input.name ??= 'primary';
  return { input, sources };
}

/** validateOptions, with the source of the option at fault added to its message. */
function validate(input: Record<string, unknown>, sources: Record<string, string>): ResolvedOptions {
  try {
    return validateOptions(input);
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    const root = /^[A-Za-z]+/.exec(error.option)?.[0] ?? error.option;
    const source = sources[root];
    if (!source) throw error;
    const reason = error.message.replace(/^Invalid option "[^"]*": /, '');
    throw new InvalidOptionError(error.option, `${reason} (from ${source})`);
  }
}

function adminCredentials(user: string | undefined, passwordFile: string | undefined, flag: string, envPassword: string | undefined, readFile: ReadFile): Credentials | undefined {
  const password = passwordFile ? readSecret(passwordFile, flag, readFile) : envPassword || undefined;
  if (user === undefined && password === undefined) return undefined;
  return { ...(user !== undefined && { username: user }), ...(password !== undefined && { password }) };
}

/**
 * Reads `doctor [options]` with the environment. Throws {@link InvalidOptionError} naming the
 * option (or flag) at fault, as the module does at start-up.
 */
export function parseDoctorArgs(argv: string[], env: Env, readFile: ReadFile = (path) => readFileSync(path, 'utf8')): DoctorCommand {
  const { values, positionals } = parseFlags(argv);
  if (values.help) return { kind: 'help' };
  if (positionals.length !== 1 || positionals[0] !== 'doctor') {
    throw new InvalidOptionError(positionals[0] ?? 'command', `expected the command "doctor", got "${positionals.join(' ')}"; see --help`);
  }
  if (values.failover && !values.yes) {
    throw new InvalidOptionError('--yes', 'is required with --failover: it runs a real SENTINEL FAILOVER, the master changes and writes in flight may be lost');
  }
  const { input, sources } = gatherOptions(values, env, readFile);
  const options = validate(input, sources);
  const dataAdmin = adminCredentials(
    values['admin-user'] ?? (env.REDIS_ADMIN_USERNAME || undefined),
    values['admin-password-file'],
    'admin-password-file',
    env.REDIS_ADMIN_PASSWORD,
    readFile,
  );
  const sentinelAdmin =
    adminCredentials(
      values['sentinel-admin-user'] ?? (env.REDIS_SENTINEL_ADMIN_USERNAME || undefined),
      values['sentinel-admin-password-file'],
      'sentinel-admin-password-file',
      env.REDIS_SENTINEL_ADMIN_PASSWORD,
      readFile,
    ) ?? dataAdmin;
  return {
    kind: 'run',
    settings: {
      options,
      admin: { ...(dataAdmin && { data: dataAdmin }), ...(sentinelAdmin && { sentinel: sentinelAdmin }) },
      json: values.json ?? false,
      failover: values.failover ?? false,
      failoverTimeout: positiveMs(values['failover-timeout'], 'failover-timeout', 30_000),
      timeout: positiveMs(values.timeout, 'timeout', options.connectTimeout),
      deadline: positiveMs(values.deadline, 'deadline', 10_000),
    },
  };
}
