import { redactSecrets } from '../health/redact-secrets.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the report: `ok | warn | fail  <what>  — <fix>`. */
export interface Check {
  status: CheckStatus;
  /** Stable identifier of the kind of check, e.g. `sentinel`, `quorum`, `acl:sentinel-events`. */
  id: string;
  what: string;
  /** One line: what to do (warn and fail). */
  fix?: string;
  /** Details for --json. */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  name: string;
  checks: Check[];
  durationMs: number;
}

export const EXIT_CODES: Record<CheckStatus, 0 | 1 | 2> = { ok: 0, warn: 1, fail: 2 };

export function exitCode(checks: readonly Check[]): 0 | 1 | 2 {
  return checks.reduce<0 | 1 | 2>((code, check) => Math.max(code, EXIT_CODES[check.status]) as 0 | 1 | 2, 0);
}

export function summary(checks: readonly Check[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0 };
  for (const check of checks) counts[check.status] += 1;
  return counts;
}

/** The report as text lines, secrets replaced by `***` (defence in depth: no check prints one). */
export function formatText(report: DoctorReport, secrets: ReadonlyArray<string | undefined>): string {
  const lines = report.checks.map((check) => `${check.status.padEnd(4)}  ${check.what}${check.fix ? `  — ${check.fix}` : ''}`);
  const counts = summary(report.checks);
  lines.push(
    `${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail in ${report.durationMs} ms (exit ${exitCode(report.checks)})`,
  );
  return `${redactSecrets(lines, secrets).join('\n')}\n`;
}

/** The report as one JSON document, secrets replaced by `***`. */
export function formatJson(report: DoctorReport, secrets: ReadonlyArray<string | undefined>): string {
  const document = {
    name: report.name,
    exitCode: exitCode(report.checks),
    summary: summary(report.checks),
    durationMs: report.durationMs,
    // `what` and `fix` first, whatever order a check was built in.
    checks: report.checks.map(({ status, id, what, fix, data }) => ({ status, id, what, ...(fix !== undefined && { fix }), ...(data !== undefined && { data }) })),
  };
  return `${JSON.stringify(redactSecrets(document, secrets), null, 2)}\n`;
}
