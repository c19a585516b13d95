import { ABORT_CHANNELS, FENCE_CHANNELS, SWITCH_CHANNEL } from '../sentinel/sentinel-events.js';
import { DEFAULTS } from '../options/redis-sentinel-cache.defaults.js';

/**
 * The single source of the ACL rules the module needs: every command it sends to a sentinel or a
 * data node, grouped by capability, with the rule words that allow it, whether the module works
 * without it and what the app loses then. The start-up warnings (lib/client/acl-warnings.ts) and
 * `nestjs-redis-sentinel-cache doctor` both take their rule words from here.
 */

/** Where a command goes: a sentinel, the master, or a replica (the replica watch). */
export type AclNode = 'sentinel' | 'master' | 'replica';

/** Which module option names the ACL user a command runs as (`admin`: the doctor's failover drill only). */
export type AclUserOption = 'sentinelUsername' | 'username' | 'admin';

/** What the argument lists are built from. */
export interface AclContext {
  /** The master group name (`name`). */
  name: string;
  /** The key prefix (`namespace`). */
  namespace: string;
  /** The logical database (`db`). */
  db: number;
  /** A key inside the namespace that no app uses (harmless to read, write and delete). */
  probeKey: string;
}

/** One command of a capability: how it is sent, and the rule words that allow it. */
export interface AclProbe {
  /** The command as the module sends it; also the arguments of `ACL DRYRUN <user> ...`. */
  argv(context: AclContext): string[];
  /** The rule that allows the command, e.g. `+get`, `+sentinel|master`. */
  command: string;
  /** The key pattern its key needs, e.g. `~cache:*`. */
  key?(context: AclContext): string;
  /** The channel pattern it needs, e.g. `&+switch-master`. */
  channel?: string;
  /**
   * How it is tried where `ACL DRYRUN` is not allowed: sent as is (`command`, every form here is
   * harmless: reads, writes to the probe key), on a dedicated connection then UNSUBSCRIBE
   * (`subscribe`), on a one-off connection (`quit`), or proven by connecting at all (`handshake`).
   */
  form: 'command' | 'subscribe' | 'handshake' | 'quit';
}

export type AclCapabilityId =
  | 'sentinel-handshake'
  | 'sentinel-resolve'
  | 'sentinel-discovery'
  | 'sentinel-master-state'
  | 'sentinel-replicas'
  | 'sentinel-events'
  | 'sentinel-failover'
  | 'data-handshake'
  | 'data-select'
  | 'data-info'
  | 'data-role-probe'
  | 'data-ping'
  | 'data-store'
  | 'data-role'
  | 'data-quit';

export interface AclCapability {
  id: AclCapabilityId;
  /** What the app does with it, as a verb phrase ("resolve the master"), for reports. */
  title: string;
  /** The nodes it is sent to. */
  nodes: readonly AclNode[];
  user: AclUserOption;
  /** What is sent, in words (placeholders in angle brackets). */
  sends: string;
  probes: readonly AclProbe[];
  /** Without it the module does not work (`true`), or works with less (`false`). */
  required: boolean;
  /** What the app loses without it, in one line. */
  loses: string;
  /**
   * Only needed in some configurations: SELECT only when `db` is not 0, ROLE only when INFO is
   * refused (`refused` tells whether another capability is refused on the same node).
   */
  neededWhen?(context: AclContext, refused: (id: AclCapabilityId) => boolean): boolean;
}

function command(rule: string, argv: (context: AclContext) => string[], key?: (context: AclContext) => string): AclProbe {
  return { argv, command: rule, ...(key && { key }), form: 'command' };
}

const handshake = (rule: string): AclProbe => ({ argv: () => ['HELLO', '3'], command: rule, form: 'handshake' });
const sentinelCommand = (subcommand: string): AclProbe =>
  command(`+sentinel|${subcommand}`, (context) => ['SENTINEL', subcommand, context.name]);
const namespaceKeys = (context: AclContext) => `~${context.namespace}:*`;
const storeCommand = (name: string, argv: (context: AclContext) => string[], keyed = true): AclProbe =>
  command(`+${name.toLowerCase()}`, argv, keyed ? namespaceKeys : undefined);

/** The channel rules of the failover detector: one per channel, the three abort channels as one pattern. */
function subscribeProbe(channel: string): AclProbe {
  const pattern = channel.startsWith('-failover-abort-') ? '&-failover-abort-*' : `&${channel}`;
  return { argv: () => ['SUBSCRIBE', channel], command: '+subscribe', channel: pattern, form: 'subscribe' };
}

/** Every capability, sentinels first, in the order a client uses them. */
export const ACL_CAPABILITIES: readonly AclCapability[] = [
  {
    id: 'sentinel-handshake',
    title: 'connect',
    nodes: ['sentinel'],
    user: 'sentinelUsername',
    sends: 'HELLO 3 AUTH <user> <password>',
    probes: [handshake('+hello +auth')],
    required: true,
    loses: 'no connection to the sentinels, so no master',
  },
  {
    id: 'sentinel-resolve',
    title: 'resolve the master',
    nodes: ['sentinel'],
    user: 'sentinelUsername',
    sends: 'SENTINEL get-master-addr-by-name <name>',
    probes: [sentinelCommand('get-master-addr-by-name')],
    required: true,
    loses: 'the master cannot be resolved: no cache at all',
  },
  {
    id: 'sentinel-discovery',
    title: 'discover other sentinels',
    nodes: ['sentinel'],
    user: 'sentinelUsername',
    sends: 'SENTINEL sentinels <name>',
    probes: [sentinelCommand('sentinels')],
    required: false,
    loses: 'sentinels beyond the configured list are not discovered (ioredis updateSentinels is turned off)',
  },
  {
    id: 'sentinel-master-state',
    title: 'read the master state',
    nodes: ['sentinel'],
    user: 'sentinelUsername',
    sends: 'SENTINEL master <name>',
    probes: [sentinelCommand('master')],
    required: true,
    loses: 'the poller cannot read the config epoch and failover flags: without the subscription a failover is not followed',
  },
  {
    id: 'sentinel-replicas',
    title: 'list the replicas',
    nodes: ['sentinel'],
    user: 'sentinelUsername',
    sends: 'SENTINEL replicas <name>',
    probes: [sentinelCommand('replicas')],
    required: true,
    loses: 'no replica watch: under an ACL that refuses SUBSCRIBE a promotion is noticed only by polling',
  },
  {
    id: 'sentinel-events',
    title: 'subscribe to the failover events',
    nodes: ['sentinel'],
    user: 'sentinelUsername',
    sends: `SUBSCRIBE ${[SWITCH_CHANNEL, ...FENCE_CHANNELS, ...ABORT_CHANNELS].join(' ')}`,
    probes: [SWITCH_CHANNEL, ...FENCE_CHANNELS, ...ABORT_CHANNELS].map(subscribeProbe),
    required: false,
    loses:
      'failovers are not pushed (the fastest detection): the module notices a promotion by the replica watch (it ' +
      'closes the watch connections) and asks the sentinels every 20 ms while one may be in progress; writes are ' +
      'still held from the promotion, about 20 ms later than with the events',
  },
  {
    id: 'sentinel-failover',
    title: 'trigger a failover (doctor --failover only)',
    nodes: ['sentinel'],
    user: 'admin',
    sends: 'SENTINEL FAILOVER <name>',
    probes: [sentinelCommand('failover')],
    required: false,
    loses: 'doctor --failover cannot trigger the drill (the module itself never sends it)',
  },
  {
    id: 'data-handshake',
    title: 'connect',
    nodes: ['master', 'replica'],
    user: 'username',
    sends: 'HELLO 3 AUTH <user> <password>',
    probes: [handshake('+hello +auth')],
    required: true,
    loses: 'no connection to the data nodes: no cache at all',
  },
  {
    id: 'data-select',
    title: 'select the database',
    nodes: ['master'],
    user: 'username',
    sends: 'SELECT <db>',
    probes: [command('+select', (context) => ['SELECT', String(context.db)])],
    required: true,
    loses: 'commands silently go to database 0 (ioredis only emits an error)',
    neededWhen: (context) => context.db !== 0,
  },
  {
    id: 'data-info',
    title: 'run the ready check',
    nodes: ['master'],
    user: 'username',
    sends: 'INFO replication',
    probes: [command('+info', () => ['INFO', 'replication'])],
    required: false,
    loses:
      'ioredis skips its ready check; the module still checks the role (WAIT 0 0), but the health indicator ' +
      'reports less (no replication details)',
  },
  {
    id: 'data-role-probe',
    title: 'run the role probe',
    nodes: ['master', 'replica'],
    user: 'username',
    sends: 'WAIT 0 0',
    probes: [command('+wait', () => ['WAIT', '0', '0'])],
    required: false,
    loses: 'the module cannot confirm that the node it reached is a master: a stale sentinel answer naming a replica is noticed only when a write meets READONLY',
  },
  {
    id: 'data-ping',
    title: 'ping (keep-alive, health)',
    nodes: ['master', 'replica'],
    user: 'username',
    sends: 'PING',
    probes: [command('+ping', () => ['PING'])],
    required: false,
    loses: 'the health indicator cannot measure latency',
  },
  {
    id: 'data-store',
    title: 'run the cache commands',
    nodes: ['master'],
    user: 'username',
    sends: 'GET SET DEL UNLINK EXISTS MGET SCAN on <namespace>:*',
    probes: [
      storeCommand('GET', (context) => ['GET', context.probeKey]),
      storeCommand('SET', (context) => ['SET', context.probeKey, '1', 'PX', '10000']),
      storeCommand('EXISTS', (context) => ['EXISTS', context.probeKey]),
      storeCommand('MGET', (context) => ['MGET', context.probeKey]),
      storeCommand('DEL', (context) => ['DEL', context.probeKey]),
      storeCommand('UNLINK', (context) => ['UNLINK', context.probeKey]),
      storeCommand('SCAN', (context) => ['SCAN', '0', 'MATCH', `${context.probeKey}*`, 'COUNT', '10'], false),
    ],
    required: true,
    loses: 'the cache itself: refused operations fail, or miss under fail-open',
  },
  {
    id: 'data-role',
    title: 'read the role for health',
    nodes: ['master'],
    user: 'username',
    sends: 'ROLE',
    probes: [command('+role', () => ['ROLE'])],
    required: false,
    loses: 'the health indicator cannot confirm that the node it reached is the master (INFO is refused too)',
    neededWhen: (_context, refused) => refused('data-info'),
  },
  {
    id: 'data-quit',
    title: 'close cleanly',
    nodes: ['master'],
    user: 'username',
    sends: 'QUIT',
    probes: [{ argv: () => ['QUIT'], command: '+quit', form: 'quit' }],
    required: false,
    loses: 'app.close() drops the socket instead of a clean QUIT',
  },
];

const BY_ID = new Map(ACL_CAPABILITIES.map((capability) => [capability.id, capability]));

export function aclCapability(id: AclCapabilityId): AclCapability {
  const capability = BY_ID.get(id);
  if (!capability) throw new Error(`unknown ACL capability ${id}`);
  return capability;
}

/** A context for rule words that do not depend on the options (every rule but the key pattern). */
export const DEFAULT_ACL_CONTEXT: AclContext = {
  name: '<name>',
  namespace: DEFAULTS.namespace,
  db: DEFAULTS.db,
  probeKey: `${DEFAULTS.namespace}:__doctor__`,
};

/** The words one probe needs: its command rule, then its key or channel pattern. */
export function probeWords(probe: AclProbe, context: AclContext): string[] {
  return [...probe.command.split(' '), ...(probe.key ? [probe.key(context)] : []), ...(probe.channel ? [probe.channel] : [])];
}

/**
 * The rule words of a capability, each once: command rules first, then key patterns, then channel
 * patterns, e.g. `+subscribe &+switch-master &+selected-slave ...` or `+get +set ... ~cache:*`.
 * `only` keeps just those words (a partial gap), in the same order.
 */
export function aclRule(id: AclCapabilityId, context: AclContext = DEFAULT_ACL_CONTEXT, only?: ReadonlySet<string>): string {
  const words = aclCapability(id).probes.flatMap((probe) => probeWords(probe, context));
  const rank = (word: string) => (word.startsWith('~') ? 1 : word.startsWith('&') ? 2 : 0);
  const unique = [...new Set(words)].filter((word) => !only || only.has(word));
  return unique.sort((a, b) => rank(a) - rank(b)).join(' ');
}

/** "every sentinel" / "every data node": where a capability's rule goes. */
export function aclRuleLocation(capability: AclCapability): string {
  return capability.nodes.includes('sentinel') ? 'every sentinel' : 'every data node';
}
