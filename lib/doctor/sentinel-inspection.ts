import type { Redis } from 'ioredis';
import type { CapabilityVerdict } from '../acl/acl-probe.js';
import { ACL_CAPABILITIES, type AclContext } from '../acl/acl-rules.js';
import { errorMessage, isPermissionError } from '../client/redis-errors.js';
import { toRecord } from '../client/redis-replies.js';
import { parseMasterAddress } from '../health/health-replies.parser.js';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import { type AclMode, checkNodeAcl } from './acl-methods.js';
import type { DoctorSettings } from './doctor-args.js';
import { ask, type ConnectionPool, type Credentials, type Endpoint, label, type Opened } from './probe-connection.js';

/** What one configured sentinel answered. Fields stay undefined when the question was not answered. */
export interface SentinelInspection {
  sentinel: string;
  connect: Opened['kind'];
  message?: string;
  /** ms until it had answered the master's address. */
  answerMs?: number;
  /** `SENTINEL get-master-addr-by-name`: `ip:port`, or null when it does not monitor `name`. */
  master?: string | null;
  /** `SENTINEL master <name>` as a record (ip, port, flags, quorum, num-other-sentinels, config-epoch, ...). */
  state?: Record<string, string>;
  /** `SENTINEL replicas <name>`, one record per replica. */
  replicas?: Array<Record<string, string>>;
  /** `SENTINEL sentinels <name>`: the other sentinels it knows. */
  others?: Array<Record<string, string>>;
  /** `SENTINEL masters`: the names it monitors (asked only when it does not know `name`). */
  monitors?: string[];
  aclMode?: AclMode;
  acl?: CapabilityVerdict[];
  /** With an admin user: whether it may run SENTINEL FAILOVER (doctor --failover). */
  adminFailover?: CapabilityVerdict;
  /** The admin connection's refusal, when the admin user could not connect. */
  adminProblem?: string;
}

function sentinelEndpoint(settings: DoctorSettings, sentinel: SentinelAddress): Endpoint {
  return { host: sentinel.host, port: sentinel.port, family: sentinel.family, tls: settings.options.sentinelTLS };
}

/** Asks as the app's sentinel user; on NOPERM, asks the admin user instead (facts, not ACL verdicts). */
async function question(app: Redis, admin: Redis | undefined, argv: string[], ms: number): Promise<unknown> {
  try {
    return await ask(app, argv, ms);
  } catch (error) {
    if (!admin || !isPermissionError(error)) throw error;
    return ask(admin, argv, ms);
  }
}

const records = (reply: unknown): Array<Record<string, string>> => (Array.isArray(reply) ? reply.map(toRecord) : []);

/**
 * Connects to one sentinel as the app's sentinel user and asks what the module asks (master address,
 * master state, replicas, other sentinels), then checks every sentinel capability of the ACL. Fills
 * `into` as it goes, so a run cut short by the deadline still reports what was learnt.
 */
export async function inspectSentinel(
  settings: DoctorSettings,
  pool: ConnectionPool,
  sentinel: SentinelAddress,
  context: AclContext,
  into: SentinelInspection,
): Promise<void> {
  const { options, timeout } = settings;
  const endpoint = sentinelEndpoint(settings, sentinel);
  const credentials: Credentials = { username: options.sentinelUsername, password: options.sentinelPassword };
  const started = Date.now();
  const { opened, admin, adminProblem } = await pool.openWithAdmin(endpoint, credentials, settings.admin.sentinel);
  into.connect = opened.kind;
  if (opened.kind !== 'ok') {
    into.message = opened.message;
    return;
  }
  delete into.message;
  const app = opened.connection;
  if (adminProblem) into.adminProblem = adminProblem;
  try {
    into.master = parseMasterAddress(await question(app, admin, ['SENTINEL', 'get-master-addr-by-name', options.name], timeout));
    into.answerMs = Date.now() - started;
  } catch (error) {
    into.message = errorMessage(error);
  }
  const facts: Array<Promise<unknown>> = [];
  const learn = (argv: string[], store: (reply: unknown) => void) =>
    facts.push(question(app, admin, argv, timeout).then(store, () => undefined));
  if (into.master === null) {
    learn(['SENTINEL', 'masters'], (reply) => (into.monitors = records(reply).map((record) => record.name ?? '').filter(Boolean)));
  } else if (into.master !== undefined) {
    learn(['SENTINEL', 'master', options.name], (reply) => (into.state = toRecord(reply)));
    learn(['SENTINEL', 'replicas', options.name], (reply) => (into.replicas = records(reply)));
    learn(['SENTINEL', 'sentinels', options.name], (reply) => (into.others = records(reply)));
  }
  await Promise.all(facts);

  const capabilities = ACL_CAPABILITIES.filter((capability) => capability.nodes.includes('sentinel') && capability.user === 'sentinelUsername');
  const acl = await checkNodeAcl(pool, endpoint, credentials, { app, admin }, capabilities, context);
  into.aclMode = acl.mode;
  into.acl = acl.verdicts;
  if (admin && settings.admin.sentinel) {
    // Only ACL DRYRUN can tell without doing it (the real form is the drill itself).
    const failover = ACL_CAPABILITIES.filter((capability) => capability.id === 'sentinel-failover');
    const adminAcl = await checkNodeAcl(pool, endpoint, settings.admin.sentinel, { app: admin }, failover, context);
    if (adminAcl.mode !== 'real') [into.adminFailover] = adminAcl.verdicts;
  }
}

export function emptySentinelInspection(sentinel: SentinelAddress): SentinelInspection {
  return { sentinel: label(sentinel), connect: 'timeout', message: 'not answered before the deadline' };
}

/** The record's `ip:port`. */
export function recordAddress(record: Record<string, string>): string {
  return `${record.ip ?? ''}:${record.port ?? ''}`;
}
