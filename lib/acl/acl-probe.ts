import { errorMessage } from '../client/redis-errors.js';
import { text } from '../client/redis-replies.js';
import { type AclRefusal, parseAclRefusal } from './acl-refusal.js';
import {
  type AclCapability,
  type AclCapabilityId,
  type AclContext,
  type AclProbe,
  aclRule,
  probeWords,
} from './acl-rules.js';

/** Whether the ACL lets one probe through. `unknown`: no answer (timeout, closed connection). */
export type ProbeVerdict =
  | { kind: 'allowed' }
  | { kind: 'refused'; refusal: AclRefusal; message: string }
  | { kind: 'unknown'; message: string };

/**
 * How probes reach a node. `dryRun` asks `ACL DRYRUN <user> <argv>` as a user allowed to (no side
 * effect, names the refused key or channel); without it every probe is sent for real, in its
 * harmless form, as the user itself.
 */
export interface ProbeMethods {
  dryRun?: (argv: string[]) => Promise<unknown>;
  command: (argv: string[]) => Promise<unknown>;
  subscribe: (channel: string) => Promise<unknown>;
  quit: () => Promise<unknown>;
}

export interface CapabilityVerdict {
  capability: AclCapability;
  /** `not-needed`: not used with these options (SELECT with db 0, ROLE when INFO is allowed). */
  status: 'allowed' | 'missing' | 'unknown' | 'not-needed';
  /** The rule words to add (status `missing`). */
  rule?: string;
  /** The server's refusals, one per refused probe (e.g. "command 'info'"). */
  refusals: AclRefusal[];
  /** Why the verdict is unknown. */
  message?: string;
}

function verdictOfDryRun(reply: unknown): ProbeVerdict {
  const answer = text(reply);
  if (answer === 'OK') return { kind: 'allowed' };
  const refusal = parseAclRefusal(answer);
  return refusal ? { kind: 'refused', refusal, message: answer } : { kind: 'unknown', message: answer || 'unexpected ACL DRYRUN reply' };
}

/** A sent command's outcome: any answer but an ACL refusal means the ACL let it through. */
async function verdictOfCall(call: () => Promise<unknown>): Promise<ProbeVerdict> {
  try {
    await call();
    return { kind: 'allowed' };
  } catch (error) {
    const message = errorMessage(error);
    const refusal = parseAclRefusal(message);
    if (refusal) return { kind: 'refused', refusal, message };
    if (/timed? ?out|closed|ECONN|EPIPE|not connected|writeable/i.test(message)) return { kind: 'unknown', message };
    return { kind: 'allowed' };
  }
}

export function runProbe(probe: AclProbe, context: AclContext, methods: ProbeMethods): Promise<ProbeVerdict> {
  const argv = probe.argv(context);
  if (methods.dryRun) {
    const dryRun = methods.dryRun;
    return dryRun(argv).then(verdictOfDryRun, (error: unknown) => ({ kind: 'unknown', message: errorMessage(error) }));
  }
  switch (probe.form) {
    case 'handshake':
      return Promise.resolve({ kind: 'allowed' }); // the connection these methods run on is proof
    case 'subscribe':
      return verdictOfCall(() => methods.subscribe(argv[1]!));
    case 'quit':
      return verdictOfCall(methods.quit);
    default:
      return verdictOfCall(() => methods.command(argv));
  }
}

/**
 * The words a refusal means are missing: a refused command names its rule; a refused key or channel
 * names its pattern. A command refusal hides whether its key or channel would pass (Redis checks the
 * command first), so a pattern no probe got past is reported missing too, unless another probe of the
 * capability passed with it (e.g. GET refused, EXISTS allowed on the same key: the key is fine).
 */
function missingWords(outcomes: Array<{ probe: AclProbe; verdict: ProbeVerdict }>, context: AclContext): Set<string> {
  const missing = new Set<string>();
  const passed = new Set<string>();
  const unverified = new Set<string>();
  for (const { probe, verdict } of outcomes) {
    const patterns = probeWords(probe, context).filter((word) => !word.startsWith('+'));
    if (verdict.kind === 'allowed') patterns.forEach((word) => passed.add(word));
    if (verdict.kind !== 'refused') continue;
    const { refusal } = verdict;
    if (refusal.kind === 'key' && probe.key) missing.add(probe.key(context));
    else if (refusal.kind === 'channel' && probe.channel) missing.add(probe.channel);
    else {
      const rule = refusal.kind === 'command' && !probe.command.split(' ').includes(`+${refusal.command}`) ? `+${refusal.command}` : undefined;
      (rule ? [rule] : probe.command.split(' ')).forEach((word) => missing.add(word));
      patterns.forEach((word) => unverified.add(word));
    }
  }
  for (const word of unverified) if (!passed.has(word)) missing.add(word);
  return missing;
}

/** Tries every probe of a capability; the rule to add lists exactly the refused words. */
export async function checkCapability(capability: AclCapability, context: AclContext, methods: ProbeMethods): Promise<CapabilityVerdict> {
  const outcomes: Array<{ probe: AclProbe; verdict: ProbeVerdict }> = [];
  for (const probe of capability.probes) {
    const verdict = await runProbe(probe, context, methods);
    if (verdict.kind === 'unknown') return { capability, status: 'unknown', refusals: [], message: verdict.message };
    outcomes.push({ probe, verdict });
  }
  const refusals = outcomes.flatMap(({ verdict }) => (verdict.kind === 'refused' ? [verdict.refusal] : []));
  if (refusals.length === 0) return { capability, status: 'allowed', refusals };
  const missing = missingWords(outcomes, context);
  const canonical = aclRule(capability.id, context, missing);
  const extra = [...missing].filter((word) => !canonical.split(' ').includes(word));
  return { capability, status: 'missing', rule: [canonical, ...extra].filter(Boolean).join(' '), refusals };
}

/**
 * Checks capabilities in order on one node. After a probe gets no answer the rest are `unknown`
 * at once (a hung node costs one timeout, not one per probe). `neededWhen` sees the verdicts so far.
 */
export async function checkCapabilities(
  capabilities: readonly AclCapability[],
  context: AclContext,
  methods: ProbeMethods,
): Promise<CapabilityVerdict[]> {
  const verdicts: CapabilityVerdict[] = [];
  const refused = (id: AclCapabilityId) => verdicts.some((verdict) => verdict.capability.id === id && verdict.status === 'missing');
  let stalled: string | undefined;
  for (const capability of capabilities) {
    if (capability.neededWhen && !capability.neededWhen(context, refused)) {
      verdicts.push({ capability, status: 'not-needed', refusals: [] });
    } else if (stalled) {
      verdicts.push({ capability, status: 'unknown', refusals: [], message: stalled });
    } else {
      const verdict = await checkCapability(capability, context, methods);
      if (verdict.status === 'unknown') stalled = verdict.message;
      verdicts.push(verdict);
    }
  }
  return verdicts;
}
