import { parseAclRefusal } from './acl-refusal.js';
import { aclCapability, aclRule, DEFAULT_ACL_CONTEXT } from './acl-rules.js';
import type { SubscriptionReport } from '../sentinel/sentinel-event.subscriber.js';
import { FENCE_CHANNELS, SWITCH_CHANNEL } from '../sentinel/sentinel-events.js';

/**
 * The rules the sentinels' ACL user of the app needs on top of the seed's, for pushed failover events.
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
    `ACL gap on the master: user ${user(username)} may not run INFO, so ioredis skips its ready check. ` +
    `The module still checks that the node it reached is a master (WAIT 0 0), so nothing is lost, but ` +
    `tools and the health check see less. Add "${INFO_RULE}" to that user's ACL line on every data node, e.g. ` +
    `"user ${username ?? 'default'} ... ${INFO_RULE}".`
  );
}

export function sentinelListWarning(username: string | undefined): string {
  return (
    `ACL gap on the sentinels: user ${user(username)} may not run SENTINEL SENTINELS; sentinels beyond the ` +
    `configured list are not discovered. Add "${SENTINEL_LIST_RULE}" to fix.`
  );
}

/**
 * One warning per kind of gap a sentinel's subscription report shows, or none. `watching`: the
 * replica watch is on, so a promotion is still noticed without the events.
 */
export function subscriptionWarning(report: SubscriptionReport, username: string | undefined, watching: boolean): string | undefined {
  const refused = Object.keys(report.refused);
  if (refused.length === 0) return undefined;
  const fix = `Add "${SENTINEL_SUBSCRIBE_RULES}" to user ${user(username)} on every sentinel.`;
  const fallback = watching
    ? 'failovers are noticed by the replica watch (a promotion closes its connections) and by asking the sentinels every 20 ms while one may be in progress: writes are still held from the promotion, about 20 ms later than with the events'
    : 'failovers are only noticed by polling the sentinels and writes are not held while a replica is promoted (watchReplicas is off): writes acknowledged by the old master in that window are invalidated on the new master (recentWritesWindow)';
  if (refused.includes(SWITCH_CHANNEL)) {
    const reason = report.refused[SWITCH_CHANNEL] ?? '';
    const probe = aclCapability('sentinel-events').probes.find((entry) => entry.argv(DEFAULT_ACL_CONTEXT)[1] === SWITCH_CHANNEL)!;
    const missing = parseAclRefusal(reason)?.kind === 'command' ? probe.command : probe.channel;
    return `ACL gap on the sentinels: user ${user(username)} may not subscribe to ${SWITCH_CHANNEL} (missing "${missing}"), so ${fallback}. ${fix}`;
  }
  if (FENCE_CHANNELS.some((channel) => refused.includes(channel))) {
    return `ACL gap on the sentinels: user ${user(username)} may not subscribe to ${refused.join(', ')}, so ${fallback}. ${fix}`;
  }
  return `ACL gap on the sentinels: user ${user(username)} may not subscribe to ${refused.join(', ')}; a failover abort is noticed by polling. ${fix}`;
}
