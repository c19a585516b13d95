import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { aclRule } from '../acl/acl-rules.js';
import { errorMessage } from '../client/redis-errors.js';
import { text } from '../client/redis-replies.js';
import { parseMasterAddress } from '../sentinel/sentinel-replies.parser.js';
import { FENCE_CHANNELS, parseSentinelEvent, SENTINEL_CHANNELS } from '../sentinel/sentinel-events.js';
import { formatAddress } from '../client/node-address.js';
import { dataEndpoint } from './data-node-inspection.js';
import type { DoctorSettings } from './doctor-args.js';
import type { Check } from './doctor-report.js';
import { ask, type ConnectionPool, label, userName } from './probe-connection.js';

const WRITE_EVERY_MS = 20;
const POLL_EVERY_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

interface Acked {
  key: string;
  node: string;
  at: number;
}

/** What the drill saw, in ms from the SENTINEL FAILOVER. */
interface DrillTimeline {
  promotingAt?: number;
  namedAt?: number;
  newMaster?: string;
  firstWriteAt?: number;
}

/**
 * Follows the master as a client would: the sentinels' failover events (where the app's sentinel user
 * may subscribe) and `SENTINEL get-master-addr-by-name` every 100 ms on every reachable sentinel.
 * `on.promoting` (`+selected-slave`, `+failover-state-send-slaveof-noone`) raises the probe's write
 * fence as the module's does, `on.aborted` (`-failover-abort-*`) lowers it.
 */
async function followMaster(
  settings: DoctorSettings,
  pool: ConnectionPool,
  initial: string,
  on: { promoting: () => void; aborted: () => void; named: (address: string) => void },
) {
  const { options, timeout } = settings;
  const credentials = { username: options.sentinelUsername, password: options.sentinelPassword };
  const endpoints = options.sentinels.map((sentinel) => ({ host: sentinel.host, port: sentinel.port, family: sentinel.family, tls: options.sentinelTLS }));
  const opened = await Promise.all(endpoints.flatMap((endpoint) => [pool.open(endpoint, credentials), pool.open(endpoint, credentials)]));
  const askers: Redis[] = [];
  let subscribed = false;
  for (let index = 0; index < opened.length; index += 2) {
    const [asker, subscriber] = [opened[index]!, opened[index + 1]!];
    if (asker.kind === 'ok') askers.push(asker.connection);
    if (subscriber.kind !== 'ok') continue;
    const connection = subscriber.connection;
    connection.on('message', (channel: string, message: string) => {
      const event = parseSentinelEvent(channel, message);
      if (!event || event.name !== options.name) return;
      if (event.kind === 'promoting') on.promoting();
      if (event.kind === 'abort') on.aborted();
      if (event.kind === 'switch') on.named(formatAddress(event.to));
    });
    for (const channel of SENTINEL_CHANNELS) {
      const accepted = await ask(connection, ['SUBSCRIBE', channel], timeout).then(() => true, () => false);
      if (accepted && (FENCE_CHANNELS as readonly string[]).includes(channel)) subscribed = true;
    }
  }
  let stopped = false;
  const poll = (async () => {
    while (!stopped) {
      const answers = await Promise.all(askers.map((connection) => ask(connection, ['SENTINEL', 'get-master-addr-by-name', options.name], timeout).then(parseMasterAddress, () => null)));
      const moved = answers.find((address) => address !== null && address !== initial);
      if (moved) on.named(moved);
      await sleep(POLL_EVERY_MS);
    }
  })();
  return {
    /** True when the app's sentinel user may subscribe to the promotion events (writes can be held). */
    fenced: subscribed,
    stop: async () => {
      stopped = true;
      await poll;
    },
  };
}

/**
 * `doctor --failover --yes`: a real `SENTINEL FAILOVER <name>` as the admin user, while a probe writes
 * a key every 20 ms as the app user to the master it follows (holding writes during the promotion
 * where the events allow it, as the module does). Reports the time until the sentinels named the
 * new master and until it accepted a write, then reads every acknowledged key back from the new
 * master: a missing one is a write the failover lost. Probe keys expire after 2 minutes and are
 * deleted at the end.
 */
export async function runFailoverDrill(settings: DoctorSettings, pool: ConnectionPool, master: string): Promise<Check[]> {
  const { options } = settings;
  const admin = settings.admin.sentinel;
  if (!admin) return [];
  const adminUser = `"${userName(admin)}"`;
  let trigger: { connection: Redis; sentinel: string } | undefined;
  for (const sentinel of options.sentinels) {
    const opened = await pool.open({ host: sentinel.host, port: sentinel.port, family: sentinel.family, tls: options.sentinelTLS }, admin);
    if (opened.kind === 'ok') {
      trigger = { connection: opened.connection, sentinel: label(sentinel) };
      break;
    }
  }
  if (!trigger) return [{ status: 'fail', id: 'failover', what: `failover drill: no sentinel accepted admin user ${adminUser}`, fix: 'check the admin user and password' }];

  const prefix = `${options.namespace}:__doctor__:failover:${randomBytes(4).toString('hex')}`;
  const acked: Acked[] = [];
  const timeline: DrillTimeline = {};
  let target = master;
  let fenceSince: number | undefined;
  let heldMs = 0;
  let t0 = Number.POSITIVE_INFINITY;
  const since = () => Date.now() - t0;
  const follower = await followMaster(settings, pool, master, {
    promoting: () => {
      timeline.promotingAt ??= since();
      fenceSince ??= Date.now();
    },
    aborted: () => (fenceSince = undefined),
    named: (address) => {
      if (address === target) return;
      target = address;
      timeline.namedAt ??= since();
      timeline.newMaster = address;
    },
  });
  const connections = new Map<string, Promise<Redis | undefined>>();
  const connectionTo = (address: string) => {
    let connection = connections.get(address);
    if (!connection) {
      const endpoint = dataEndpoint(settings, address);
      connection = endpoint
        ? pool.open(endpoint, { username: options.username, password: options.password }).then((opened) => (opened.kind === 'ok' ? opened.connection : undefined))
        : Promise.resolve(undefined);
      connections.set(address, connection);
    }
    return connection;
  };
  let sequence = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const fenceOpen = fenceSince === undefined || Date.now() - fenceSince > options.failoverFenceTimeout;
      if (fenceOpen || target !== master) {
        if (fenceSince !== undefined && target !== master) {
          heldMs += Date.now() - fenceSince;
          fenceSince = undefined;
        }
        const node = target;
        const connection = await connectionTo(node);
        const key = `${prefix}:${(sequence += 1)}`;
        if (connection) {
          const reply = await ask(connection, ['SET', key, String(sequence), 'PX', '120000'], settings.timeout).catch((error: unknown) => errorMessage(error));
          if (text(reply) === 'OK') {
            acked.push({ key, node, at: since() });
            if (node !== master) timeline.firstWriteAt ??= since();
          } else if (connection.status !== 'ready') {
            connections.delete(node); // closed by Sentinel's CLIENT KILL: open another one
          }
        } else {
          connections.delete(node);
        }
      }
      await sleep(WRITE_EVERY_MS);
    }
  })();

  const checks: Check[] = [];
  try {
    const deadline = Date.now() + settings.failoverTimeout;
    while (acked.length === 0 && Date.now() < deadline) await sleep(WRITE_EVERY_MS);
    t0 = Date.now();
    const reply = await ask(trigger.connection, ['SENTINEL', 'FAILOVER', options.name], settings.timeout).catch((error: unknown) => error as Error);
    if (reply instanceof Error) {
      checks.push({ status: 'fail', id: 'failover', what: `failover drill: SENTINEL FAILOVER ${options.name} via ${trigger.sentinel} as ${adminUser} was refused: ${reply.message}`, fix: 'see the admin ACL line; NOGOODSLAVE: no healthy replica to promote' });
      return checks;
    }
    while (timeline.firstWriteAt === undefined && Date.now() < deadline) await sleep(WRITE_EVERY_MS);
    writing = false;
    await writer;
    await follower.stop();
    if (timeline.firstWriteAt === undefined) {
      checks.push({
        status: 'fail', id: 'failover', data: { ...timeline },
        what: `failover drill: no new master accepted a write within ${settings.failoverTimeout} ms of SENTINEL FAILOVER${timeline.newMaster ? ` (the sentinels name ${timeline.newMaster})` : ' (the sentinels still name the old master)'}`,
        fix: 'check the sentinels\' logs (failover-timeout, replica priority, -failover-abort-* events)',
      });
      return checks;
    }
    checks.push({
      status: 'ok', id: 'failover', data: { ...timeline, oldMaster: master, sentinel: trigger.sentinel },
      what:
        `failover drill: SENTINEL FAILOVER via ${trigger.sentinel} as ${adminUser}: ${timeline.promotingAt !== undefined ? `promotion announced after ${timeline.promotingAt} ms, ` : ''}` +
        `the sentinels named ${timeline.newMaster} after ${timeline.namedAt} ms; it accepted a write after ${timeline.firstWriteAt} ms ` +
        `(Sentinel demotes the old master ~10 s later)`,
    });
    checks.push(await lostWrites(settings, await connectionTo(timeline.newMaster!), acked, follower.fenced, heldMs, master));
  } finally {
    writing = false;
    await writer;
    await follower.stop();
  }
  return checks;
}

/** Reads every acknowledged probe key back from the new master, then deletes them all. */
async function lostWrites(settings: DoctorSettings, connection: Redis | undefined, acked: Acked[], fenced: boolean, heldMs: number, oldMaster: string): Promise<Check> {
  const user = `"${userName({ username: settings.options.sentinelUsername })}"`;
  if (!connection) return { status: 'warn', id: 'failover-writes', what: 'probe writes: could not read them back from the new master', fix: 'run the doctor again' };
  const lost: Acked[] = [];
  try {
    for (let index = 0; index < acked.length; index += 500) {
      const batch = acked.slice(index, index + 500);
      const values = (await ask(connection, ['MGET', ...batch.map((entry) => entry.key)], settings.timeout)) as unknown[];
      batch.forEach((entry, at) => values[at] == null && lost.push(entry));
    }
    for (let index = 0; index < acked.length; index += 500) {
      await ask(connection, ['UNLINK', ...acked.slice(index, index + 500).map((entry) => entry.key)], settings.timeout).catch(() => undefined);
    }
  } catch (error) {
    return { status: 'warn', id: 'failover-writes', what: `probe writes: could not read them back (${errorMessage(error)})`, fix: 'run the doctor again' };
  }
  const held = fenced ? `, writes held ${heldMs} ms during the promotion` : '';
  const data = { acknowledged: acked.length, lost: lost.length, fenced, heldMs, lostFrom: [...new Set(lost.map((entry) => entry.node))] };
  if (lost.length === 0) return { status: 'ok', id: 'failover-writes', data, what: `probe writes: ${acked.length} acknowledged, none lost${held}` };
  const window = `${Math.min(...lost.map((entry) => entry.at))}–${Math.max(...lost.map((entry) => entry.at))} ms`;
  return {
    status: 'warn', id: 'failover-writes', data,
    what: `probe writes: ${acked.length} acknowledged, ${lost.length} lost (acknowledged by ${oldMaster} at ${window}, after the promotion${held})`,
    fix: fenced
      ? 'writes in flight at the promotion: expected to be rare; run the drill again to see if it repeats'
      : `add "${aclRule('sentinel-events')}" to user ${user} on every sentinel: the module then holds writes while a replica is promoted`,
  };
}
