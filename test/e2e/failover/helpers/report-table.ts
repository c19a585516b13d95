import { appendFileSync } from 'node:fs';
import type { ScenarioResult } from './scenario.js';

const COLUMNS: Array<[string, (r: ScenarioResult) => string | number | undefined]> = [
  ['scenario', (r) => r.scenario],
  ['ACL', (r) => r.acl],
  ['mechanisms', (r) => r.mechanisms],
  ['HTTP reqs', (r) => r.requests],
  ['5xx', (r) => r.serverErrors],
  ['hung/net err', (r) => r.transportErrors],
  ['stale reads', (r) => r.staleReads],
  ['fault→+switch (ms)', (r) => r.faultToSwitchMs],
  ['fault→1st write new master (ms)', (r) => r.faultToFirstWriteMs],
  ['+switch→1st write (ms)', (r) => r.switchToFirstWriteMs],
  ['acked after +switch, lost', (r) => r.lostAfterSwitch],
  ['acked before +switch, absent (miss)', (r) => r.lostBeforeSwitch],
  ['probe acked/failed', (r) => `${r.probeAcked}/${r.probeFailed}`],
  ['2-instance: stale at end', (r) => r.versioned?.staleAtEnd],
  ['failed write applied', (r) => r.versioned?.failedApplied],
  ['cross-instance stale during', (r) => r.versioned?.crossStaleDuring],
  ['keys absent at end', (r) => (r.versioned ? `${r.versioned.absentAtEnd}/${r.versioned.keys}` : undefined)],
  ['max latency (ms)', (r) => r.maxLatencyMs],
  ['/health', (r) => `${r.healthNamesMaster ? 'names' : 'NOT'} ${r.to}`],
];

/** A small Markdown table of the scenarios' figures (`-` where a figure does not apply). */
export function formatTable(results: ScenarioResult[]): string {
  const rows = results.map((result) => COLUMNS.map(([, get]) => {
    const value = get(result);
    return value === undefined ? '-' : String(value);
  }));
  const header = COLUMNS.map(([name]) => name);
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const notes = results
    .filter((result) => result.library)
    .map((result) => `  ${result.scenario} (${result.acl}, mechanisms ${result.mechanisms}): library FailoverRecord ${result.library}`);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...notes].join('\n');
}

/** Prints the table (and appends the raw figures to $FAILOVER_RESULTS_FILE as JSON lines, if set). */
export function printTable(title: string, results: ScenarioResult[]): void {
  if (results.length === 0) return;
  const file = process.env['FAILOVER_RESULTS_FILE'];
  if (file) {
    for (const result of results) appendFileSync(file, `${JSON.stringify({ title, ...result })}\n`);
  }
  process.stdout.write(`\n${title}\n${formatTable(results)}\n\n`);
}
