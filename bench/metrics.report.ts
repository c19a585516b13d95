/** The metrics part of the results markdown (kept apart from report.ts, which renders the other parts). */
import { METRICS_BUDGET, METRICS_CONTENDERS, METRICS_LABELS, type MetricsBenchResult } from './metrics.bench.js';
import { fmt, ratio } from './stats.js';

export type { MetricsBenchResult };

export function metricsSection(metrics: MetricsBenchResult): string[] {
  const s = metrics.settings;
  const lines = [
    '## Metrics (OpenTelemetry): what they cost',
    '',
    `get-hit, ${metrics.row.valueBytes} B, concurrency 1; ${s.rounds} rounds of ${s.batchMs} ms per contender, interleaved (order rotated and reversed); ` +
      'medians; ratios are medians of per-round ratios of ops/s.',
    '',
    '| contender | ops/s | p50 / p99 ms |',
    '|---|---:|---:|',
  ];
  for (const name of METRICS_CONTENDERS) {
    const c = metrics.contenders[name];
    lines.push(`| ${METRICS_LABELS[name]} | ${fmt(c.opsPerSec)} | ${fmt(c.p50Ms, 3)} / ${fmt(c.p99Ms, 3)} |`);
  }
  const share = metrics.hotPathShare;
  lines.push(
    '',
    `SDK provider ÷ no provider: **${ratio(metrics.sdkVsNoProvider)}** · no provider ÷ raw ioredis: ${ratio(metrics.noProviderVsIoredis)}.`,
    '',
    `Without a provider nothing subscribes; what a get-hit still calls on the event source (three calls that read a flag), timed alone: ` +
      `${fmt(metrics.hotPathNsPerGet, 1)} ns per get = **${(share * 100).toFixed(3)} %** of a get-hit (budget ${METRICS_BUDGET * 100} %)${share <= METRICS_BUDGET ? '' : ' ✗'}. ` +
      `The same calls recording into the SDK (one histogram record with its four attributes, one hit counted): ${fmt(metrics.sdkNsPerGet, 0)} ns per get = ${(metrics.sdkShare * 100).toFixed(2)} % of a get-hit.`,
    '',
    `Per-round ratios SDK ÷ no provider (noise): ${metrics.roundRatios.map((r) => r.toFixed(2)).join(' ')}.`,
    '',
  );
  return lines;
}
