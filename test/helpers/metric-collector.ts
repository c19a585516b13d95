import type { Attributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';

/** A reader that collects only when asked (no export timer). */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

type Point = { attributes: Attributes; value: unknown };

/** What one collection returned, by instrument name. */
export class MetricSnapshot {
  constructor(readonly metrics: MetricData[]) {}

  names(): string[] {
    return this.metrics.map((metric) => metric.descriptor.name).sort();
  }

  unit(name: string): string | undefined {
    return this.find(name)?.descriptor.unit;
  }

  /** Points of `name` whose attributes include `match`. */
  points(name: string, match: Attributes = {}): Point[] {
    const points = (this.find(name)?.dataPoints ?? []) as Point[];
    return points.filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value));
  }

  /** Counter total over the matching points. */
  sum(name: string, match: Attributes = {}): number {
    return this.points(name, match).reduce((total, point) => total + (point.value as number), 0);
  }

  /** Histogram: how many values were recorded at the matching points. */
  count(name: string, match: Attributes = {}): number {
    return this.points(name, match).reduce((total, point) => total + (point.value as { count: number }).count, 0);
  }

  /** Histogram: sum of the values recorded at the matching points. */
  total(name: string, match: Attributes = {}): number {
    return this.points(name, match).reduce((total, point) => total + (point.value as { sum: number }).sum, 0);
  }

  private find(name: string): MetricData | undefined {
    return this.metrics.find((metric) => metric.descriptor.name === name);
  }
}

/** An SDK MeterProvider with a manual reader: `collect()` returns what was recorded so far (cumulative). */
export class MetricCollector {
  private readonly reader = new ManualReader();
  readonly provider = new MeterProvider({ readers: [this.reader] });

  async collect(): Promise<MetricSnapshot> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${errors.map(String).join('; ')}`);
    return new MetricSnapshot(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics));
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
