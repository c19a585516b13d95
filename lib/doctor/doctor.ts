import { randomBytes } from 'node:crypto';
import type { AclContext } from '../acl/acl-rules.js';
import { errorMessage } from '../client/redis-errors.js';
import { bounded } from '../health/bounded-call.js';
import { splitAddress } from '../health/node-address.matcher.js';
import { aclChecks, adminFailoverLine, type NodeAcl } from './acl-checks.js';
import { addressesLine, type AnnouncedSentinel } from './address-checks.js';
import { dataNodeChecks } from './data-node-checks.js';
import { emptyDataNodeInspection, inspectDataNode, type DataNodeInspection } from './data-node-inspection.js';
import type { DoctorSettings } from './doctor-args.js';
import { type Check, type DoctorReport, exitCode } from './doctor-report.js';
import { runFailoverDrill } from './failover-drill.js';
import { ConnectionPool } from './probe-connection.js';
import { sentinelChecks, type SentinelFindings } from './sentinel-checks.js';
import { emptySentinelInspection, inspectSentinel, recordAddress, type SentinelInspection } from './sentinel-inspection.js';

/** Whether an unlisted sentinel the others announce is reachable from here (as the app's sentinel user). */
async function reachSentinel(settings: DoctorSettings, pool: ConnectionPool, record: Record<string, string>): Promise<AnnouncedSentinel> {
  const address = recordAddress(record);
  const target = splitAddress(address);
  const seenUp = !(record.flags ?? '').split(',').some((flag) => ['s_down', 'o_down', 'disconnected'].includes(flag));
  if (!target) return { address, connect: 'unreachable', seenUp };
  const opened = await pool.open(
    { ...target, tls: settings.options.sentinelTLS },
    { username: settings.options.sentinelUsername, password: settings.options.sentinelPassword },
  );
  if (opened.kind === 'ok') pool.close(opened.connection);
  return { address, connect: opened.kind, seenUp };
}

function internalError(error: unknown): Check {
  return { status: 'fail', id: 'internal', what: `the doctor failed: ${errorMessage(error)}`, fix: 'report this with the output of --json' };
}

/**
 * Checks a deployment as the app's options see it, in two rounds (every node of a round in parallel,
 * each bounded by `timeout`): the configured sentinels, then the master and replicas they name (and
 * the sentinels they announce). The whole run is bounded by `deadline` (the failover drill by its own
 * `failoverTimeout`); every connection is closed before it returns.
 */
export async function runDoctor(settings: DoctorSettings): Promise<DoctorReport> {
  const started = Date.now();
  const remaining = () => Math.max(0, started + settings.deadline - Date.now());
  const { options } = settings;
  const pool = new ConnectionPool(settings.timeout);
  const context: AclContext = {
    name: options.name,
    namespace: options.namespace,
    db: options.db,
    probeKey: `${options.namespace}:__doctor__:${randomBytes(6).toString('hex')}`,
  };
  const checks: Check[] = [];
  let cutShort = false;
  const round = async (work: Array<Promise<unknown>>) => {
    const outcome = await bounded(Promise.all(work), remaining());
    if (outcome.kind === 'timeout') cutShort = true;
    if (outcome.kind === 'error') checks.push(internalError(outcome.error));
  };
  try {
    const sentinels: SentinelInspection[] = options.sentinels.map(emptySentinelInspection);
    await round(options.sentinels.map((sentinel, index) => inspectSentinel(settings, pool, sentinel, context, sentinels[index]!)));
    const { checks: sentinelLines, findings } = sentinelChecks(settings, sentinels);
    checks.push(...sentinelLines);

    const nodes: DataNodeInspection[] = [];
    const announced: AnnouncedSentinel[] = [];
    if (findings.master && !cutShort) {
      nodes.push(emptyDataNodeInspection('master', findings.master), ...findings.replicas.map((record) => emptyDataNodeInspection('replica', recordAddress(record))));
      await round([
        ...nodes.map((node) => inspectDataNode(settings, pool, node.kind, node.announced, context, node)),
        ...findings.unlisted.map(async (record) => announced.push(await reachSentinel(settings, pool, record))),
      ]);
      checks.push(...dataNodeChecks(settings, findings, nodes));
      const addresses = addressesLine(findings, nodes, announced);
      if (addresses) checks.push(addresses);
    }
    checks.push(...aclLines(settings, sentinels, nodes, context));
    if (cutShort) {
      checks.push({
        status: 'fail', id: 'deadline',
        what: `the run hit its deadline (${settings.deadline} ms) before every check finished`,
        fix: 'the lines above name the nodes that did not answer; raise --deadline for slow links',
      });
    }
    if (settings.failover) checks.push(...(await drill(settings, pool, findings, checks)));
  } catch (error) {
    checks.push(internalError(error));
  } finally {
    pool.closeAll();
  }
  return { name: options.name, checks, durationMs: Date.now() - started };
}

function aclLines(settings: DoctorSettings, sentinels: SentinelInspection[], nodes: DataNodeInspection[], context: AclContext): Check[] {
  const acl: NodeAcl[] = [
    ...sentinels.map((inspection) => ({ node: inspection.sentinel, kind: 'sentinel', mode: inspection.aclMode, verdicts: inspection.acl })),
    ...nodes.map((node) => ({ node: node.announced, kind: node.kind, mode: node.aclMode, verdicts: node.acl })),
  ];
  const admin = adminFailoverLine(
    settings,
    sentinels
      .filter((inspection) => inspection.connect === 'ok')
      .map((inspection) => ({ node: inspection.sentinel, verdict: inspection.adminFailover, problem: inspection.adminProblem })),
  );
  return [...aclChecks(settings, acl, context), ...(admin ? [admin] : [])];
}

async function drill(settings: DoctorSettings, pool: ConnectionPool, findings: SentinelFindings, checks: Check[]): Promise<Check[]> {
  if (exitCode(checks) === 2 || !findings.master) {
    return [{ status: 'fail', id: 'failover', what: 'failover drill not run: the deployment has failures (above)', fix: 'fix them first; a failover would not be safe to try' }];
  }
  return runFailoverDrill(settings, pool, findings.master);
}
