import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { promtoolCheckMetrics } from '@support-center/testing';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { HttpAggregate, measureHttp, scrapeHandler, startTelemetry } from '../src';
import {
  PrometheusTextSerializer,
  type PrometheusTextOptions,
} from '../src/prometheus/prometheus-serializer';

/** The exporter's own serializer with the same options, the reference the output must equal byte for byte. */
function upstream(options: PrometheusTextOptions): PrometheusSerializer {
  return new PrometheusSerializer(
    options.prefix,
    options.appendTimestamp,
    options.withResourceConstantLabels,
    options.withoutTargetInfo,
    options.withoutScopeInfo,
  );
}

function expectSameBytes(ours: Buffer, reference: string): void {
  // Compared as text for a readable diff, and as bytes since lone surrogates encode alike only as bytes.
  expect(ours.toString('utf8')).toBe(Buffer.from(reference).toString('utf8'));
  expect(ours.equals(Buffer.from(reference))).toBe(true);
}

// Text where the escaping rules bite: quotes, backslashes, newlines, braces, unicode, empty.
const nastyText = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '0',
      '_',
      '.',
      '-',
      '"',
      '\\',
      '\n',
      '{',
      '}',
      '=',
      ',',
      ' ',
      'é',
      '€',
      '😀',
    ),
  }),
  fc.string({ unit: 'binary' }),
  fc.constant(''),
);
const attributeValue = fc.oneof(
  { weight: 6, arbitrary: nastyText },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string(), fc.integer())),
  fc.constant(undefined),
);
const attributes: fc.Arbitrary<Attributes> = fc.dictionary(
  fc.oneof(nastyText, fc.constantFrom('le', 'otel.scope.name', 'service.name', '1', 'a.b')),
  attributeValue,
  { maxKeys: 4 },
) as fc.Arbitrary<Attributes>;
const sampleValue = fc.oneof(
  fc.nat(),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, NaN, -0, 2 ** 60, 1e21, 0.1),
);
const time: [number, number] = [1_700_000_000, 123_456_789];

function point<T>(attrs: Attributes, value: T): DataPoint<T> {
  return { startTime: time, endTime: time, attributes: attrs, value };
}

const boundaries: fc.Arbitrary<number[]> = fc.oneof(
  fc.array(fc.double({ noNaN: true }), { maxLength: 6 }).map((b) => [...b].sort((x, y) => x - y)),
  fc.constantFrom([0.005, 0.01, 0.1, 1, 10], [0, 100, Infinity], [], [-5, -0, 3.5e-7]).map((b) => [...b]),
);

const family: fc.Arbitrary<MetricData> = fc
  .record({
    name: fc.oneof(nastyText, fc.constantFrom('requests', 'requests_total', '9lives', 'a.b-c', '_', '')),
    description: fc.oneof(nastyText, fc.constant('')),
    unit: fc.oneof(nastyText, fc.constantFrom('', 's', 'By')),
    kind: fc.constantFrom('counter', 'upDownCounter', 'gauge', 'histogram', 'exponential'),
    series: fc.array(attributes, { maxLength: 5 }),
    values: fc.array(sampleValue, { minLength: 5, maxLength: 5 }),
    boundaries,
    counts: fc.array(fc.nat({ max: 1000 }), { minLength: 8, maxLength: 8 }),
    sum: fc.option(fc.double(), { nil: undefined }),
  })
  .map(({ name, description, unit, kind, series, values, boundaries: bounds, counts, sum }): MetricData => {
    const descriptor = { name, description, unit, valueType: ValueType.DOUBLE };
    if (kind === 'histogram') {
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: series.map((attrs, i) =>
          point<Histogram>(attrs, {
            buckets: { boundaries: bounds, counts: counts.slice(0, bounds.length + 1) },
            sum: sum === undefined ? undefined : sum * (i + 1),
            count: counts.slice(0, bounds.length + 1).reduce((a, b) => a + b, 0),
          }),
        ),
      };
    }
    const points = series.map((attrs, i) => point(attrs, values[i % values.length]!));
    if (kind === 'exponential') {
      // Not serialized by the exporter (it logs an error); only the family's header is written.
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
        dataPoints: [],
      };
    }
    if (kind === 'gauge') {
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: points,
      };
    }
    return {
      descriptor,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: kind === 'counter',
      dataPoints: points,
    };
  });

const resourceMetrics: fc.Arbitrary<ResourceMetrics> = fc
  .record({
    resource: attributes,
    scopes: fc.array(
      fc.record({
        scope: fc.record({
          name: nastyText,
          version: fc.option(nastyText, { nil: undefined }),
          schemaUrl: fc.option(nastyText, { nil: undefined }),
        }),
        metrics: fc.array(family, { maxLength: 4 }),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ resource, scopes }) => ({
    resource: resourceFromAttributes(resource),
    scopeMetrics: scopes,
  }));

const options: fc.Arbitrary<PrometheusTextOptions> = fc.record({
  prefix: fc.option(fc.oneof(nastyText, fc.constant('app')), { nil: undefined }),
  appendTimestamp: fc.boolean(),
  withResourceConstantLabels: fc.option(fc.constantFrom(/service/, /^$/, /./, /le|otel/), { nil: undefined }),
  withoutTargetInfo: fc.boolean(),
  withoutScopeInfo: fc.boolean(),
});

describe('PrometheusTextSerializer', () => {
  it("writes the exporter's serializer's bytes for any families, labels and options", () => {
    fc.assert(
      fc.property(options, resourceMetrics, (opts, metrics) => {
        expectSameBytes(
          new PrometheusTextSerializer(opts).serialize(metrics),
          upstream(opts).serialize(metrics),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('stays identical scrape after scrape while series come, go and have their attributes changed', () => {
    fc.assert(
      fc.property(
        options,
        fc.array(resourceMetrics, { minLength: 2, maxLength: 4 }),
        attributes,
        (opts, scrapes, replacement) => {
          const ours = new PrometheusTextSerializer(opts);
          const reference = upstream(opts);
          // Later scrapes reuse the first one's attribute objects, as the SDK does, some changed in place.
          const shared: DataPoint<unknown>[] = scrapes[0]!.scopeMetrics.flatMap((s) =>
            s.metrics.flatMap((m): DataPoint<unknown>[] => m.dataPoints),
          );
          scrapes.forEach((metrics, n) => {
            if (n > 0) {
              metrics.scopeMetrics.forEach((s, i) =>
                s.metrics.forEach((m, j) => {
                  m.dataPoints.forEach((p, k) => {
                    const reused = shared[(i + j + k + n) % Math.max(1, shared.length)];
                    if (reused) (p as { attributes: Attributes }).attributes = reused.attributes;
                  });
                }),
              );
              const changed = shared[n % Math.max(1, shared.length)]?.attributes;
              if (changed) {
                for (const key of Object.keys(changed)) delete changed[key];
                Object.assign(changed, replacement);
              }
            }
            expectSameBytes(ours.serialize(metrics), reference.serialize(metrics));
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("writes the exporter's bytes for what the SDK collects: counters, up-down counters, gauges, histograms", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('counter', 'upDownCounter', 'gauge', 'histogram'),
            buckets: fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 6 }),
            recordings: fc.array(fc.tuple(attributes, fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
              maxLength: 12,
            }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (instruments) => {
          const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
          const provider = new MeterProvider({
            resource: resourceFromAttributes({ 'service.name': 'svc "a"\n\\' }),
            readers: [exporter],
          });
          const meter = provider.getMeter('property');
          instruments.forEach(({ kind, buckets, recordings }, i) => {
            const name = `family_${i}`;
            const sorted = [...buckets].sort((a, b) => a - b);
            for (const [attrs, value] of recordings) {
              if (kind === 'counter') meter.createCounter(name).add(Math.abs(value), attrs);
              else if (kind === 'upDownCounter') meter.createUpDownCounter(name).add(value, attrs);
              else if (kind === 'gauge') meter.createGauge(name, { unit: 's' }).record(value, attrs);
              else
                meter
                  .createHistogram(name, { advice: { explicitBucketBoundaries: sorted } })
                  .record(Math.abs(value), attrs);
            }
          });
          const ours = new PrometheusTextSerializer({ withoutScopeInfo: true });
          const reference = upstream({ withoutScopeInfo: true });
          for (let scrape = 0; scrape < 2; scrape += 1) {
            const { resourceMetrics: collected } = await exporter.collect();
            expectSameBytes(ours.serialize(collected), reference.serialize(collected));
          }
          await provider.shutdown();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('forgets the label text of a series once a scrape no longer reports it', () => {
    const kept = { route: '/a' };
    const gone = { route: '/b' };
    const sums = (...series: Attributes[]): ResourceMetrics => ({
      resource: resourceFromAttributes({}),
      scopeMetrics: [
        {
          scope: { name: 's' },
          metrics: [
            {
              descriptor: { name: 'requests', description: '', unit: '', valueType: ValueType.INT },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints: series.map((attrs) => point(attrs, 1)),
            },
          ],
        },
      ],
    });
    const serializer = new PrometheusTextSerializer();
    serializer.serialize(sums(kept, gone));
    expect(serializer.cachedSeries).toBe(2);
    serializer.serialize(sums(kept));
    expect(serializer.cachedSeries).toBe(1);
    expect(serializer.serialize(sums()).toString()).not.toContain('/a');
    expect(serializer.cachedSeries).toBe(0);
  });

  it("serves a service's /metrics that promtool accepts, labels needing escapes included", async () => {
    const telemetry = startTelemetry({ serviceName: 'svc', serviceVersion: '1.2.3', env: {} });
    try {
      const app = express();
      measureHttp({ aggregate: telemetry.http!, app });
      app.get('/metrics', (req, res) => telemetry.metricsHandler?.(req, res));
      app.get('/items/:id', (req, res) => {
        res.status(Number(req.query.status ?? 200)).json({ id: req.params.id });
      });
      for (const status of [200, 404, 500]) await request(app).get(`/items/x?status=${status}`);
      for (const task of ['plain', 'quote "q"', 'back\\slash', 'new\nline', 'unicodé ✓', '']) {
        telemetry.metrics.background_task_failures_total.add(1, { task });
      }
      const res = await request(app)
        .get('/metrics')
        .expect(200)
        .expect('content-type', /text\/plain/);
      expect(res.text).toContain(
        'http_request_duration_seconds_bucket{handler="/items/:id",method="GET",le="+Inf"}',
      );
      expect(res.text).toContain('background_task_failures_total{task="new\\nline"} 1');
      expect(promtoolCheckMetrics(res.text)).toBe('');
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe('scrapeHandler', () => {
  it('answers a scrape whose attributes cannot be printed, and the process lives on', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    const counter = provider.getMeter('m').createCounter('requests');
    counter.add(1, { ok: 'yes' });
    // A non-string value is printed as JSON, and a symbol has none.
    counter.add(1, { kind: Symbol('x') } as unknown as Attributes);
    const app = express().get('/metrics', scrapeHandler(exporter, new PrometheusTextSerializer()));
    try {
      const res = await request(app).get('/metrics').expect(200);
      expect(res.text).toMatch(/^# failed to export metrics: TypeError/);
      counter.add(1, { ok: 'yes' });
    } finally {
      await provider.shutdown();
    }
  });
});

describe('HttpAggregate', () => {
  it('hands every scrape the same attributes object per series, so label text stays cached', async () => {
    const aggregate = new HttpAggregate('scope', () => resourceFromAttributes({}));
    for (const [handler, method, status] of [
      ['/a', 'GET', 200],
      ['/a', 'GET', 500],
      ['/b', 'POST', 201],
    ] as const) {
      aggregate.finish(aggregate.start(handler, method), status, 0.01, 10, 20);
    }
    const attributesOf = async () =>
      (await aggregate.collect()).resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.flatMap((m) => m.dataPoints.map((p: DataPoint<unknown>) => p.attributes)),
      );
    const first = await attributesOf();
    const second = await attributesOf();
    expect(second).toHaveLength(first.length);
    second.forEach((attrs, i) => expect(attrs).toBe(first[i]));

    const serializer = new PrometheusTextSerializer();
    const { resourceMetrics } = await aggregate.collect();
    serializer.serialize(resourceMetrics);
    expect(serializer.cachedSeries).toBe(new Set(first).size);
  });
});
