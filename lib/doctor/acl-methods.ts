import type { Redis } from 'ioredis';
import { type CapabilityVerdict, checkCapabilities, type ProbeMethods } from '../acl/acl-probe.js';
import type { AclCapability, AclContext } from '../acl/acl-rules.js';
import { text } from '../client/redis-replies.js';
import { ask, type ConnectionPool, type Credentials, type Endpoint, userName } from './probe-connection.js';

/** How a node's ACL was asked: `ACL DRYRUN` as the admin user or as the app user itself, or real harmless commands. */
export type AclMode = 'dryrun-admin' | 'dryrun-self' | 'real';

/** True when `connection` may run `ACL DRYRUN <user> ...` (the reply is `OK` or a refusal, not an error). */
async function mayDryRun(connection: Redis, user: string, ms: number): Promise<boolean> {
  try {
    return text(await ask(connection, ['ACL', 'DRYRUN', user, 'PING'], ms)) !== '';
  } catch {
    return false;
  }
}

/**
 * The probe methods for one node: `ACL DRYRUN` through the admin connection when it may run it,
 * else through the app user's own connection when it may, else the harmless real forms (SUBSCRIBE
 * on a dedicated connection, closed afterwards; QUIT on a one-off one). `close()` ends the
 * connections opened here.
 */
export async function aclMethods(
  pool: ConnectionPool,
  endpoint: Endpoint,
  credentials: Credentials,
  app: Redis,
  admin: Redis | undefined,
  ms: number,
): Promise<{ mode: AclMode; methods: ProbeMethods; close(): void }> {
  const user = userName(credentials);
  const opened: Redis[] = [];
  const dedicated = async (): Promise<Redis> => {
    const result = await pool.open(endpoint, credentials, ms);
    if (result.kind !== 'ok') throw new Error(`cannot open a probe connection: ${result.message}`);
    opened.push(result.connection);
    return result.connection;
  };
  let subscriber: Promise<Redis> | undefined;
  const methods: ProbeMethods = {
    command: (argv) => ask(app, argv, ms),
    // The module never unsubscribes (an ACL may well refuse UNSUBSCRIBE): the connection is closed instead.
    subscribe: async (channel) => {
      subscriber ??= dedicated();
      return ask(await subscriber, ['SUBSCRIBE', channel], ms);
    },
    quit: async () => ask(await dedicated(), ['QUIT'], ms),
  };
  let mode: AclMode = 'real';
  const via = admin && (await mayDryRun(admin, user, ms)) ? admin : (await mayDryRun(app, user, ms)) ? app : undefined;
  if (via) {
    mode = via === admin ? 'dryrun-admin' : 'dryrun-self';
    methods.dryRun = (argv) => ask(via, ['ACL', 'DRYRUN', user, ...argv], ms);
  }
  return { mode, methods, close: () => opened.forEach((connection) => pool.close(connection)) };
}

/** Checks capabilities on one node with {@link aclMethods}; the probe connections are closed after. */
export async function checkNodeAcl(
  pool: ConnectionPool,
  endpoint: Endpoint,
  credentials: Credentials,
  connections: { app: Redis; admin?: Redis | undefined },
  capabilities: readonly AclCapability[],
  context: AclContext,
): Promise<{ mode: AclMode; verdicts: CapabilityVerdict[] }> {
  const probes = await aclMethods(pool, endpoint, credentials, connections.app, connections.admin, pool.timeout);
  try {
    return { mode: probes.mode, verdicts: await checkCapabilities(capabilities, context, probes.methods) };
  } finally {
    probes.close();
  }
}
