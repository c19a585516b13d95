import type { Redis } from 'ioredis';
import type { CapabilityVerdict } from '../acl/acl-probe.js';
import { ACL_CAPABILITIES, type AclContext } from '../acl/acl-rules.js';
import { errorMessage, isPermissionError } from '../client/redis-errors.js';
import { translate } from '../health/node-address.matcher.js';
import { type AclMode, checkNodeAcl } from './acl-methods.js';
import type { DoctorSettings } from './doctor-args.js';
import { ask, type ConnectionPool, type Credentials, type Endpoint, label, type Opened } from './probe-connection.js';
import { parseReplicationInfo, parseRoleReplication, type ReplicationView } from './replication-replies.js';

/** What one data node (the master the sentinels name, or one of its replicas) showed the app user. */
export interface DataNodeInspection {
  kind: 'master' | 'replica';
  /** As the sentinels announce it. */
  announced: string;
  /** Where this process connected (natMap applied). */
  reached: string;
  connect: Opened['kind'];
  message?: string;
  /** `master`, `slave`, or undefined when it could not be asked. */
  role?: string;
  /** How the role was learnt: the app user's INFO or ROLE, its WAIT 0 0 (the module's role probe), or the admin user. */
  roleVia?: 'INFO' | 'ROLE' | 'WAIT' | 'admin';
  /** On the master: its replication offset and its replicas' acknowledgements. */
  replication?: ReplicationView;
  aclMode?: AclMode;
  acl?: CapabilityVerdict[];
}

/** The role from the first of INFO, ROLE, WAIT 0 0 the user may run; null if none answers. */
async function learnRole(connection: Redis, ms: number): Promise<{ view: ReplicationView; via: 'INFO' | 'ROLE' | 'WAIT' } | null> {
  const attempts: Array<['INFO' | 'ROLE', string[], (reply: unknown) => ReplicationView | null]> = [
    ['INFO', ['INFO', 'replication'], parseReplicationInfo],
    ['ROLE', ['ROLE'], parseRoleReplication],
  ];
  for (const [via, argv, parse] of attempts) {
    try {
      const view = parse(await ask(connection, argv, ms));
      if (view) return { view, via };
    } catch (error) {
      if (!isPermissionError(error)) throw error;
    }
  }
  try {
    await ask(connection, ['WAIT', '0', '0'], ms);
    return { view: { role: 'master', replicas: [] }, via: 'WAIT' };
  } catch (error) {
    if (/cannot be used with replica/i.test(errorMessage(error))) return { view: { role: 'slave', replicas: [] }, via: 'WAIT' };
    if (!isPermissionError(error)) throw error;
    return null;
  }
}

export function dataEndpoint(settings: DoctorSettings, announced: string): Endpoint | null {
  const target = translate(settings.options.natMap, announced);
  return target && { ...target, tls: settings.options.tls };
}

/**
 * Connects to a data node as the app user: its role (and, on the master, replication offsets, with
 * the admin user when the app user may not ask), then every data-node capability of the ACL.
 */
export async function inspectDataNode(
  settings: DoctorSettings,
  pool: ConnectionPool,
  kind: 'master' | 'replica',
  announced: string,
  context: AclContext,
  into: DataNodeInspection,
): Promise<void> {
  const { options, timeout } = settings;
  const endpoint = dataEndpoint(settings, announced);
  if (!endpoint) {
    into.connect = 'unreachable';
    into.message = `"${announced}" is not host:port`;
    return;
  }
  into.reached = label(endpoint);
  const credentials: Credentials = { username: options.username, password: options.password };
  const { opened, admin } = await pool.openWithAdmin(endpoint, credentials, settings.admin.data);
  into.connect = opened.kind;
  if (opened.kind !== 'ok') {
    into.message = opened.message;
    return;
  }
  delete into.message;
  const app = opened.connection;
  try {
    const role = await learnRole(app, timeout);
    if (role) {
      into.role = role.view.role;
      into.roleVia = role.via;
      into.replication = role.view;
    }
    if (admin && (!role || role.via === 'WAIT')) {
      const adminRole = await learnRole(admin, timeout).catch(() => null);
      if (adminRole) {
        into.role ??= adminRole.view.role;
        into.roleVia ??= 'admin';
        into.replication = adminRole.view;
      }
    }
  } catch (error) {
    into.message = errorMessage(error);
  }
  const capabilities = ACL_CAPABILITIES.filter((capability) => capability.nodes.includes(kind) && capability.user === 'username');
  const acl = await checkNodeAcl(pool, endpoint, credentials, { app, admin }, capabilities, context);
  into.aclMode = acl.mode;
  into.acl = acl.verdicts;
}

export function emptyDataNodeInspection(kind: 'master' | 'replica', announced: string): DataNodeInspection {
  return { kind, announced, reached: announced, connect: 'timeout', message: 'not answered before the deadline' };
}
