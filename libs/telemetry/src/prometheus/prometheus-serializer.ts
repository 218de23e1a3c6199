import { diag, type Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ByteWriter } from './byte-writer';
import { escapeText, labelPairs, sanitizeName } from './exposition-text';
import { SeriesLabelCache, type SeriesLabels } from './series-labels';

/** The options of PrometheusExporter that shape its text. */
export interface PrometheusTextOptions {
  prefix?: string;
  appendTimestamp?: boolean;
  withResourceConstantLabels?: RegExp;
  withoutTargetInfo?: boolean;
  withoutScopeInfo?: boolean;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const NO_REGISTERED_METRICS = '# no registered metrics';

/**
 * The parts of a sample line around the series' own labels and the value, worked out once per
 * family and scrape: `name{` series labels `,extra} ` value, or `name ` value without labels.
 */
interface LineParts {
  /** `name{` */
  open: Buffer;
  /** `name `, for a line without any label. */
  bare: Buffer;
  /** After the series' labels: `,extra} `, or `} ` without extra labels. */
  afterSeries: Buffer;
  /** `extra} `, for a series without labels of its own; undefined without extra labels. */
  withoutSeries: Buffer | undefined;
}

/** The end of each bucket line from its `le` label on, after the series' labels and without any. */
interface BucketEnds {
  boundaries: number[];
  extra: string;
  afterSeries: Buffer[];
  withoutSeries: Buffer[];
}

/**
 * Prometheus text exposition of the SDK's collected metrics, the same bytes as
 * @opentelemetry/exporter-prometheus's PrometheusSerializer with the same options, written into
 * one buffer. Each series' label text is built once and cached as bytes (SeriesLabelCache); a
 * scrape then copies bytes and prints numbers, creating no string or object per sample.
 */
export class PrometheusTextSerializer {
  private readonly prefix: string;
  private readonly appendTimestamp: boolean;
  private readonly constantLabels: RegExp | undefined;
  private readonly withoutTargetInfo: boolean;
  private readonly withoutScopeInfo: boolean;
  private readonly labels = new SeriesLabelCache();
  private readonly out = new ByteWriter();
  /** For the last boundaries seen (a copy: the array could change in place). */
  private bucketEnds: BucketEnds | undefined;

  constructor(options: PrometheusTextOptions = {}) {
    this.prefix = options.prefix ? `${options.prefix}_` : '';
    this.appendTimestamp = options.appendTimestamp ?? false;
    this.constantLabels = options.withResourceConstantLabels;
    this.withoutTargetInfo = !!options.withoutTargetInfo;
    this.withoutScopeInfo = !!options.withoutScopeInfo;
  }

  /** Series whose label text is cached: those of the last scrape. */
  get cachedSeries(): number {
    return this.labels.size;
  }

  serialize(resourceMetrics: ResourceMetrics): Buffer {
    const out = this.out;
    out.reset();
    this.labels.beginScrape();
    try {
      if (!this.withoutTargetInfo) writeTargetInfo(out, resourceMetrics.resource);
      const resourceLabels = this.resourceLabels(resourceMetrics.resource);
      let families = 0;
      for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
        const extra = this.extraLabels(scope, resourceLabels);
        for (const metric of metrics) if (this.writeFamily(out, metric, extra)) families += 1;
      }
      if (families === 0) out.text(NO_REGISTERED_METRICS);
    } finally {
      this.labels.endScrape();
    }
    return out.result();
  }

  private resourceLabels(resource: Resource): Attributes | undefined {
    const pattern = this.constantLabels;
    if (!pattern) return undefined;
    const matching: Attributes = {};
    for (const [key, value] of Object.entries(resource.attributes)) {
      if (key.match(pattern)) matching[key] = value;
    }
    return matching;
  }

  /** The labels the exporter adds to every sample of a scope: its name, schema and version, then the resource's. */
  private extraLabels(
    scope: InstrumentationScope,
    resourceLabels: Attributes | undefined,
  ): Attributes | undefined {
    if (this.withoutScopeInfo) return resourceLabels;
    const scopeInfo: Attributes = { 'otel.scope.name': scope.name };
    if (scope.schemaUrl) scopeInfo['otel.scope.schema_url'] = scope.schemaUrl;
    if (scope.version) scopeInfo['otel.scope.version'] = scope.version;
    return Object.assign(scopeInfo, resourceLabels);
  }

  /** Writes one family; false when its name cannot be a Prometheus name (the exporter skips it too). */
  private writeFamily(out: ByteWriter, metric: MetricData, extraLabels: Attributes | undefined): boolean {
    const { descriptor } = metric;
    let name = `${this.prefix}${sanitizeName(escapeText(descriptor.name))}`;
    if (name === '' || name === '_') {
      diag.error(`Normalization for metric "${descriptor.name}" resulted in an invalid name: "${name}"`);
      return false;
    }
    if (name[0]! >= '0' && name[0]! <= '9') name = `_${name}`;
    if (metric.dataPointType === DataPointType.SUM && metric.isMonotonic && !name.endsWith('_total')) {
      name += '_total';
    }
    const unit = descriptor.unit ? `# UNIT ${name} ${escapeText(descriptor.unit)}\n` : '';
    out.text(
      `# HELP ${name} ${escapeText(descriptor.description || 'description missing')}\n${unit}` +
        `# TYPE ${name} ${prometheusType(metric)}\n`,
    );
    const extra = extraLabels ? labelPairs(extraLabels) : '';
    switch (metric.dataPointType) {
      case DataPointType.SUM:
      case DataPointType.GAUGE: {
        const parts = lineParts(name, extra);
        for (const point of metric.dataPoints) {
          this.writeLine(out, parts, this.labels.labelsOf(point.attributes), point, point.value);
        }
        break;
      }
      case DataPointType.HISTOGRAM: {
        const count = lineParts(`${name}_count`, extra);
        const sum = lineParts(`${name}_sum`, extra);
        const bucket = Buffer.from(`${name}_bucket{`);
        for (const point of metric.dataPoints) {
          const series = this.labels.labelsOf(point.attributes);
          const histogram = point.value;
          if (histogram.count != null) this.writeLine(out, count, series, point, histogram.count);
          if (histogram.sum != null) this.writeLine(out, sum, series, point, histogram.sum);
          this.writeBuckets(out, bucket, series, point, extra, extraLabels);
        }
        break;
      }
      default:
        diag.error(`Unrecognizable DataPointType: ${metric.dataPointType} for metric "${name}"`);
    }
    return true;
  }

  private writeLine(
    out: ByteWriter,
    parts: LineParts,
    series: SeriesLabels,
    point: DataPoint<unknown>,
    value: number,
  ): void {
    if (series.bytes.length > 0) {
      out.bytes(parts.open);
      out.bytes(series.bytes);
      out.bytes(parts.afterSeries);
    } else if (parts.withoutSeries) {
      out.bytes(parts.open);
      out.bytes(parts.withoutSeries);
    } else {
      out.bytes(parts.bare);
    }
    this.writeValue(out, point, value);
  }

  private writeBuckets(
    out: ByteWriter,
    open: Buffer,
    series: SeriesLabels,
    point: DataPoint<Histogram>,
    extra: string,
    extraLabels: Attributes | undefined,
  ): void {
    const { boundaries, counts } = point.value.buckets;
    const bucketEnds = this.bucketEndsFor(boundaries, extra, extraLabels);
    const hasLabels = series.bytes.length > 0;
    const ends = hasLabels ? bucketEnds.afterSeries : bucketEnds.withoutSeries;
    let cumulative = 0;
    let infinityBound = false;
    for (let i = 0; i < counts.length; i += 1) {
      cumulative += counts[i]!;
      const bound = boundaries[i];
      // Some aggregators list +Inf among the boundaries, others leave it implied: one +Inf line either way.
      if (bound === undefined && infinityBound) break;
      if (bound === Infinity) infinityBound = true;
      out.bytes(open);
      if (hasLabels) out.bytes(series.bytes);
      out.bytes(ends[Math.min(i, boundaries.length)]!);
      this.writeValue(out, point, cumulative);
    }
  }

  /** The value as the exporter prints it, the timestamp if asked for, and the newline. */
  private writeValue(out: ByteWriter, point: DataPoint<unknown>, value: number): void {
    if (value === Infinity) out.text('+Inf');
    else if (value === -Infinity) out.text('-Inf');
    else out.number(value);
    if (this.appendTimestamp) {
      out.byte(SPACE);
      out.number(hrTimeToMilliseconds(point.endTime));
    }
    out.byte(NEWLINE);
  }

  /**
   * Bucket line endings: the family's extra labels with `le` merged in as the exporter merges it
   * (an extra label named `le` keeps its place), the closing brace and the space before the value.
   * Index `boundaries.length` is the implied +Inf bucket. Kept while the boundaries stay the same.
   */
  private bucketEndsFor(
    boundaries: number[],
    extra: string,
    extraLabels: Attributes | undefined,
  ): BucketEnds {
    const cached = this.bucketEnds;
    if (cached && cached.extra === extra && sameNumbers(cached.boundaries, boundaries)) return cached;
    const ends = [...boundaries, undefined].map((bound) => {
      const le = bound === undefined || bound === Infinity ? '+Inf' : String(bound);
      return `${labelPairs({ ...extraLabels, le })}} `;
    });
    this.bucketEnds = {
      boundaries: [...boundaries],
      extra,
      afterSeries: ends.map((end) => Buffer.from(`,${end}`)),
      withoutSeries: ends.map((end) => Buffer.from(end)),
    };
    return this.bucketEnds;
  }
}

function writeTargetInfo(out: ByteWriter, resource: Resource): void {
  const labels = labelPairs(resource.attributes);
  out.text('# HELP target_info Target metadata\n# TYPE target_info gauge\n');
  out.text(labels ? `target_info{${labels}} 1\n` : 'target_info 1\n');
}

function lineParts(name: string, extra: string): LineParts {
  return {
    open: Buffer.from(`${name}{`),
    bare: Buffer.from(`${name} `),
    afterSeries: Buffer.from(extra ? `,${extra}} ` : '} '),
    withoutSeries: extra ? Buffer.from(`${extra}} `) : undefined,
  };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function prometheusType(metric: MetricData): string {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return 'untyped';
  }
}
