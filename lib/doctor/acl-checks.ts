import type { CapabilityVerdict } from '../acl/acl-probe.js';
import { describeRefusal } from '../acl/acl-refusal.js';
import { ACL_CAPABILITIES, type AclCapability, type AclContext, aclRuleLocation } from '../acl/acl-rules.js';
import type { AclMode } from './acl-methods.js';
import type { DoctorSettings } from './doctor-args.js';
import type { Check } from './doctor-report.js';
import { userName } from './probe-connection.js';

/** One node's ACL verdicts. */
export interface NodeAcl {
  node: string;
  /** `sentinel`, `master` or `replica`. */
  kind: string;
  mode?: AclMode;
  verdicts?: CapabilityVerdict[];
}

function placeWords(capability: AclCapability, checked: number, total: number): string {
  const where = capability.nodes.includes('sentinel') ? 'sentinels' : capability.nodes.includes('replica') ? 'data nodes' : 'master';
  return where === 'master' && total === 1 ? 'the master' : `${where} ${checked}/${total}`;
}

function sendsText(capability: AclCapability, context: AclContext): string {
  return capability.sends.replace(/<name>/g, context.name).replace(/<namespace>/g, context.namespace).replace(/<db>/g, String(context.db));
}

/**
 * One line per capability, over every node it applies to: ok when every checked node allows it,
 * else the nodes that refuse it, what was refused, what the app loses, and the exact rule to add.
 */
function capabilityLine(settings: DoctorSettings, capability: AclCapability, nodes: NodeAcl[], context: AclContext): Check | undefined {
  const applies = nodes.filter((node) => capability.nodes.includes(node.kind as never));
  const verdicts = applies.flatMap((node) => {
    const verdict = node.verdicts?.find((entry) => entry.capability.id === capability.id);
    return verdict ? [{ node, verdict }] : [];
  });
  if (verdicts.length === 0 || verdicts.every(({ verdict }) => verdict.status === 'not-needed')) return undefined;
  const user = `"${userName({ username: capability.user === 'sentinelUsername' ? settings.options.sentinelUsername : settings.options.username })}"`;
  const place = placeWords(capability, verdicts.length, applies.length);
  const id = `acl:${capability.id}`;
  const modes = [...new Set(verdicts.map(({ node }) => node.mode))];
  const missing = verdicts.filter(({ verdict }) => verdict.status === 'missing');
  const unknown = verdicts.filter(({ verdict }) => verdict.status === 'unknown');
  const data = {
    capability: capability.id,
    required: capability.required,
    checkedWith: modes,
    nodes: Object.fromEntries(verdicts.map(({ node, verdict }) => [node.node, verdict.rule ? { status: verdict.status, rule: verdict.rule } : { status: verdict.status }])),
  };
  if (missing.length > 0) {
    const rules = [...new Set(missing.map(({ verdict }) => verdict.rule!))];
    const refused = [...new Set(missing.flatMap(({ verdict }) => verdict.refusals.map(describeRefusal)))].join(', ');
    const which = missing.length === verdicts.length ? '' : ` on ${missing.map(({ node }) => node.node).join(', ')}`;
    return {
      status: capability.required ? 'fail' : 'warn', id, data,
      what: `ACL ${place}: user ${user} may not ${capability.title}${which} (refused: ${refused}); without it, ${capability.loses}`,
      fix: `add "${rules.join('" or "')}" to user ${user} on ${aclRuleLocation(capability)}`,
    };
  }
  if (unknown.length > 0) {
    return {
      status: 'warn', id, data,
      what: `ACL ${place}: could not check ${capability.title} on ${unknown.map(({ node }) => node.node).join(', ')} (${unknown[0]!.verdict.message})`,
      fix: 'run the doctor again once those nodes answer',
    };
  }
  return { status: 'ok', id, data, what: `ACL ${place}: user ${user} may ${capability.title} (${sendsText(capability, context)})` };
}

/** The ACL lines of the app's users, sentinels first (the admin's SENTINEL FAILOVER is the drill's business). */
export function aclChecks(settings: DoctorSettings, nodes: NodeAcl[], context: AclContext): Check[] {
  return ACL_CAPABILITIES.filter((capability) => capability.user !== 'admin')
    .map((capability) => capabilityLine(settings, capability, nodes, context))
    .filter((check): check is Check => check !== undefined);
}

/** Whether the admin user may trigger the drill (ACL DRYRUN on each sentinel it reached). */
export function adminFailoverLine(settings: DoctorSettings, verdicts: Array<{ node: string; verdict?: CapabilityVerdict; problem?: string }>): Check | undefined {
  const admin = settings.admin.sentinel;
  if (!admin) {
    return settings.failover
      ? { status: 'fail', id: 'acl:sentinel-failover', what: 'the failover drill needs an admin user on the sentinels (SENTINEL FAILOVER)', fix: 'give --admin-user (or --sentinel-admin-user) and its password in REDIS_ADMIN_PASSWORD or a file' }
      : undefined;
  }
  const user = `"${userName(admin)}"`;
  const problems = verdicts.filter((entry) => entry.problem);
  if (problems.length > 0) {
    return {
      status: settings.failover ? 'fail' : 'warn', id: 'acl:sentinel-failover',
      what: `admin user ${user} could not connect to ${problems.map((entry) => `${entry.node} (${entry.problem})`).join(', ')}`,
      fix: 'check --admin-user / --sentinel-admin-user and REDIS_ADMIN_PASSWORD / REDIS_SENTINEL_ADMIN_PASSWORD',
    };
  }
  const refused = verdicts.filter((entry) => entry.verdict?.status === 'missing');
  if (refused.length > 0) {
    return {
      status: settings.failover ? 'fail' : 'warn', id: 'acl:sentinel-failover',
      what: `admin user ${user} may not run SENTINEL FAILOVER on ${refused.map((entry) => entry.node).join(', ')}`,
      fix: `add "${refused[0]!.verdict!.rule}" to user ${user} on every sentinel, or give an admin user that may`,
    };
  }
  const checked = verdicts.filter((entry) => entry.verdict?.status === 'allowed').length;
  if (checked === 0) return undefined;
  return { status: 'ok', id: 'acl:sentinel-failover', what: `admin user ${user} may run SENTINEL FAILOVER (sentinels ${checked}/${verdicts.length})` };
}
