import { parseAclRefusal } from '../acl/acl-refusal.js';
import { aclCapability, aclRule, DEFAULT_ACL_CONTEXT } from '../acl/acl-rules.js';
import type { SubscriptionReport } from '../failover/sentinel-event-subscriber.js';
import { FENCE_CHANNELS, SWITCH_CHANNEL } from '../failover/sentinel-events.js';

/**
 * The rules the sentinels' ACL user of the app needs on top of the seed's, for the failover detector.
 * Every rule word here comes from lib/acl/acl-rules.ts, which the doctor reads too.
 */
export const SENTINEL_SUBSCRIBE_RULES = aclRule('sentinel-events');
const INFO_RULE = aclRule('data-info');
const SENTINEL_LIST_RULE = aclRule('sentinel-discovery');

function user(name: string | undefined): string {
  return `"${name ?? 'default'}"`;
}

export function masterInfoWarning(username: string | undefined): string {
  return (
    `ACL gap on the master: user ${user(username)} may not run INFO, so ioredis skips its ready check ` +
    `and cannot tell a demoted master from the master (writes then fail with READONLY until the client ` +
    `reconnects). Add "${INFO_RULE}" to that user's ACL line on every data node, e.g. ` +
    `"user ${username ?? 'default'} ... ${INFO_RULE}".`
  );
}

export function sentinelListWarning(username: string | undefined): string {
  return (
    `ACL gap on the sentinels: user ${user(username)} may not run SENTINEL SENTINELS; the client will not ` +
    `discover sentinels beyond the configured list. Add "${SENTINEL_LIST_RULE}" to fix.`
  );
}

/** One warning per kind of gap a sentinel's subscription report shows, or none. */
export function subscriptionWarning(report: SubscriptionReport, username: string | undefined): string | undefined {
  const refused = Object.keys(report.refused);
  if (refused.length === 0) return undefined;
  const fix = `Add "${SENTINEL_SUBSCRIBE_RULES}" to user ${user(username)} on every sentinel.`;
  if (refused.includes(SWITCH_CHANNEL)) {
    const reason = report.refused[SWITCH_CHANNEL] ?? '';
    const probe = aclCapability('sentinel-events').probes.find((entry) => entry.argv(DEFAULT_ACL_CONTEXT)[1] === SWITCH_CHANNEL)!;
    const missing = parseAclRefusal(reason)?.kind === 'command' ? probe.command : probe.channel;
    return (
      `ACL gap on the sentinels: user ${user(username)} may not subscribe to ${SWITCH_CHANNEL} ` +
      `(missing "${missing}"), so failovers are only noticed by polling the sentinels (every ` +
      `sentinelPollInterval ms) and writes are not held while a replica is promoted: writes acknowledged ` +
      `by the old master in that window are lost. ${fix}`
    );
  }
  if (FENCE_CHANNELS.some((channel) => refused.includes(channel))) {
    return (
      `ACL gap on the sentinels: user ${user(username)} may not subscribe to ${refused.join(', ')}, so cache ` +
      `writes are not held while a replica is promoted; writes acknowledged by the old master in that window ` +
      `(~1 s) are lost. ${fix}`
    );
  }
  return `ACL gap on the sentinels: user ${user(username)} may not subscribe to ${refused.join(', ')}; a failover abort is noticed only when the write fence times out. ${fix}`;
}
