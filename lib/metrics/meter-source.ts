import type { Meter } from '@opentelemetry/api';
import type { MetricsOptions } from '../interfaces/redis-sentinel-cache-options.interface.js';

/** Instrumentation scope of the cache's instruments. */
export const METER_NAME = 'nestjs-redis-sentinel-cache';

type OpenTelemetryApi = typeof import('@opentelemetry/api');
let api: Promise<OpenTelemetryApi | undefined> | undefined;

/**
 * `@opentelemetry/api` (an optional peer dependency) when installed, loaded once per process. A
 * dynamic import: `import()` in the ESM build, `require` in the CommonJS one; absent, undefined.
 */
function loadApi(): Promise<OpenTelemetryApi | undefined> {
  api ??= import('@opentelemetry/api').then(
    (module) => module,
    () => undefined,
  );
  return api;
}

/**
 * The meter to record with, or undefined when nothing would be recorded: metrics disabled, no
 * `meterProvider` and `@opentelemetry/api` not installed, or the global provider is the API's no-op
 * one (no SDK registered). Then the cache subscribes no recorder and pays nothing.
 */
export async function resolveMeter(options: MetricsOptions | undefined): Promise<Meter | undefined> {
  if (options?.enabled === false) return undefined;
  if (options?.meterProvider) return options.meterProvider.getMeter(METER_NAME) as Meter;
  const otel = await loadApi();
  if (!otel) return undefined;
  const meter = otel.metrics.getMeterProvider().getMeter(METER_NAME);
  return meter === otel.createNoopMeter() ? undefined : meter;
}
