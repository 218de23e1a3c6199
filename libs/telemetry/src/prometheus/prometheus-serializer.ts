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
import { escapeText, isAscii, labelPairs, sanitizeName } from './exposition-text';
import { SeriesLabelCache } from './series-labels';

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
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const NO_REGISTERED_METRICS = '# no registered metrics';

/** What one family's sample lines share, worked out once per family and scrape. */
interface FamilyText {
  name: string;
  /** The scope and resource labels every sample carries after its own; empty for none. */
  extra: string;
  ascii: boolean;
}

/**
 * Prometheus text exposition of the SDK's collected metrics, the same text as
 * @opentelemetry/exporter-prometheus's PrometheusSerializer with the same options, written into
 * one buffer. Each series' label text is built once and cached (SeriesLabelCache); a scrape then
 * copies bytes and prints numbers, creating no string or object per sample.
 */
export class PrometheusTextSerializer {
  private readonly prefix: string;
  private readonly appendTimestamp: boolean;
  private readonly constantLabels: RegExp | undefined;
  private readonly withoutTargetInfo: boolean;
  private readonly withoutScopeInfo: boolean;
  private readonly labels = new SeriesLabelCache();
  /** The last scrape's size, so the next one starts with a buffer that fits. */
  private expectedBytes = 0;
  /** `le="…"}` endings of bucket lines, for the last boundaries seen (a copy: arrays can change). */
  private bucketEnds: { boundaries: number[]; extra: string; ends: string[] } | undefined;

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
    const out = new ByteWriter(this.expectedBytes + (this.expectedBytes >> 3));
    this.labels.beginScrape();
    try {
      if (!this.withoutTargetInfo) this.writeTargetInfo(out, resourceMetrics.resource);
      const resourceLabels = this.resourceLabels(resourceMetrics.resource);
      let families = 0;
      for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
        const extra = this.extraLabels(scope, resourceLabels);
        for (const metric of metrics) if (this.writeFamily(out, metric, extra)) families += 1;
      }
      if (families === 0) out.ascii(NO_REGISTERED_METRICS);
    } finally {
      this.labels.endScrape();
    }
    const bytes = out.bytes();
    this.expectedBytes = bytes.length;
    return bytes;
  }

  private writeTargetInfo(out: ByteWriter, resource: Resource): void {
    const labels = labelPairs(resource.attributes);
    out.utf8('# HELP target_info Target metadata\n# TYPE target_info gauge\n');
    out.utf8(labels ? `target_info{${labels}} 1\n` : 'target_info 1\n');
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
    out.utf8(
      `# HELP ${name} ${escapeText(descriptor.description || 'description missing')}\n${unit}` +
        `# TYPE ${name} ${prometheusType(metric)}\n`,
    );
    const extra = extraLabels ? labelPairs(extraLabels) : '';
    const family: FamilyText = { name, extra, ascii: isAscii(name) && isAscii(extra) };
    switch (metric.dataPointType) {
      case DataPointType.SUM:
      case DataPointType.GAUGE:
        for (const point of metric.dataPoints) this.writeSample(out, family, '', point, point.value);
        break;
      case DataPointType.HISTOGRAM: {
        const bucket: FamilyText = { ...family, name: `${name}_bucket` };
        const count: FamilyText = { ...family, name: `${name}_count` };
        const sum: FamilyText = { ...family, name: `${name}_sum` };
        for (const point of metric.dataPoints)
          this.writeHistogram(out, point, count, sum, bucket, extraLabels);
        break;
      }
      default:
        diag.error(`Unrecognizable DataPointType: ${metric.dataPointType} for metric "${name}"`);
    }
    return true;
  }

  private writeHistogram(
    out: ByteWriter,
    point: DataPoint<Histogram>,
    count: FamilyText,
    sum: FamilyText,
    bucket: FamilyText,
    extraLabels: Attributes | undefined,
  ): void {
    const histogram = point.value;
    if (histogram.count != null) this.writeSample(out, count, '', point, histogram.count);
    if (histogram.sum != null) this.writeSample(out, sum, '', point, histogram.sum);
    const { boundaries, counts } = histogram.buckets;
    const ends = this.bucketEndsFor(boundaries, bucket.extra, extraLabels);
    let cumulative = 0;
    let infinityBound = false;
    for (let i = 0; i < counts.length; i += 1) {
      cumulative += counts[i]!;
      const bound = boundaries[i];
      // Some aggregators list +Inf among the boundaries, others leave it implied: one +Inf line either way.
      if (bound === undefined && infinityBound) break;
      if (bound === Infinity) infinityBound = true;
      this.writeSample(out, bucket, ends[Math.min(i, boundaries.length)]!, point, cumulative);
    }
  }

  /**
   * One sample line: name, the series' labels, the family's extra labels and, for a bucket, its
   * `le` (in `bucketEnd`, which also closes the braces), then the value and maybe the timestamp.
   */
  private writeSample(
    out: ByteWriter,
    family: FamilyText,
    bucketEnd: string,
    point: DataPoint<unknown>,
    value: number,
  ): void {
    const series = this.labels.labelsOf(point.attributes);
    out.text(family.name, family.ascii);
    if (bucketEnd !== '') {
      out.byte(OPEN);
      if (series.text !== '') {
        out.text(series.text, series.ascii);
        out.byte(COMMA);
      }
      out.text(bucketEnd, family.ascii);
    } else if (series.text !== '' || family.extra !== '') {
      out.byte(OPEN);
      out.text(series.text, series.ascii);
      if (series.text !== '' && family.extra !== '') out.byte(COMMA);
      out.text(family.extra, family.ascii);
      out.byte(CLOSE);
    }
    out.byte(SPACE);
    if (value === Infinity) out.ascii('+Inf');
    else if (value === -Infinity) out.ascii('-Inf');
    else out.number(value);
    if (this.appendTimestamp) {
      out.byte(SPACE);
      out.number(hrTimeToMilliseconds(point.endTime));
    }
    out.byte(NEWLINE);
  }

  /**
   * The end of each bucket line from its `le` on: the family's extra labels with `le` merged in
   * as the exporter merges it (an extra label named `le` keeps its place), and the closing brace.
   * Index `boundaries.length` is the implied +Inf bucket. Kept while the boundaries stay the same.
   */
  private bucketEndsFor(boundaries: number[], extra: string, extraLabels: Attributes | undefined): string[] {
    const cached = this.bucketEnds;
    if (cached && cached.extra === extra && sameNumbers(cached.boundaries, boundaries)) return cached.ends;
    const ends = [...boundaries, undefined].map((bound) => {
      const le = bound === undefined || bound === Infinity ? '+Inf' : String(bound);
      return `${labelPairs({ ...extraLabels, le })}}`;
    });
    this.bucketEnds = { boundaries: [...boundaries], extra, ends };
    return ends;
  }
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
