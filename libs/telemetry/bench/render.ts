import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Counter as PromCounter, Histogram as PromHistogram, Registry } from 'prom-client';
import { buckets } from '@support-center/telemetry';

/**
 * `/metrics` render time at 10,000 series: the OpenTelemetry Prometheus exporter the services
 * use against prom-client, holding the same series, timed through an HTTP GET as Prometheus
 * scrapes it. 500 histogram label sets × 17 series (14 buckets, +Inf, _sum, _count) plus
 * 1,500 counter series.
 */
const HISTOGRAM_SETS = 500;
const COUNTER_SERIES = 1500;
const ROUNDS = 30;

export interface RenderFigures {
  series: number;
  bytes: number;
  p50Ms: number;
  p95Ms: number;
}

export async function benchRender(): Promise<{ otel: RenderFigures; promClient: RenderFigures }> {
  const otel = await measure(otelServer());
  const promClient = await measure(promClientServer());
  return { otel, promClient };
}

/** A distinct label set per index, shaped like the HTTP families' (route template, method). */
function labels(i: number) {
  return {
    handler: `/api/v1/route${i % 100}/:id`,
    method: ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'][Math.floor(i / 100) % 5] ?? 'GET',
    shard: String(Math.floor(i / 500)),
  };
}

function otelServer(): Server {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({
    readers: [exporter],
    views: [{ instrumentName: '*', aggregationCardinalityLimit: 10_000 }],
  });
  const meter = provider.getMeter('bench');
  const histogram = meter.createHistogram('bench_duration_seconds', {
    description: 'Bench histogram.',
    advice: { explicitBucketBoundaries: buckets.HTTP_DURATION_SECONDS },
  });
  const counter = meter.createCounter('bench_requests_total', { description: 'Bench counter.' });
  for (let i = 0; i < HISTOGRAM_SETS; i += 1) histogram.record(0.05 * (i % 20), labels(i));
  for (let i = 0; i < COUNTER_SERIES; i += 1) counter.add(i, { ...labels(i), status: String(i) });
  return createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
}

function promClientServer(): Server {
  const registry = new Registry();
  const histogram = new PromHistogram({
    name: 'bench_duration_seconds',
    help: 'Bench histogram.',
    labelNames: ['handler', 'method', 'shard'],
    buckets: buckets.HTTP_DURATION_SECONDS,
    registers: [registry],
  });
  const counter = new PromCounter({
    name: 'bench_requests_total',
    help: 'Bench counter.',
    labelNames: ['handler', 'method', 'shard', 'status'],
    registers: [registry],
  });
  for (let i = 0; i < HISTOGRAM_SETS; i += 1) histogram.observe(labels(i), 0.05 * (i % 20));
  for (let i = 0; i < COUNTER_SERIES; i += 1) counter.inc({ ...labels(i), status: String(i) }, i);
  return createServer(async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType).end(await registry.metrics());
  });
}

async function measure(server: Server): Promise<RenderFigures> {
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  try {
    const body = await (await fetch(url)).text(); // warm-up, and the size
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = performance.now();
      await (await fetch(url)).text();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const series = body
      .split('\n')
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('target_info')).length;
    return { series, bytes: Buffer.byteLength(body), p50Ms: pick(times, 0.5), p95Ms: pick(times, 0.95) };
  } finally {
    await new Promise((closed) => server.close(closed));
  }
}

function pick(sorted: number[], quantile: number): number {
  return (
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * quantile))] ?? 0) * 10) / 10
  );
}

if (require.main === module) {
  void benchRender().then(({ otel, promClient }) => {
    const row = (name: string, f: RenderFigures) =>
      `| ${name} | ${f.series.toLocaleString('en-US')} | ${(f.bytes / 1024).toFixed(0)} KiB | ${f.p50Ms} ms | ${f.p95Ms} ms |`;
    process.stdout.write(
      [
        `/metrics render time, ${ROUNDS} scrapes each`,
        '| exporter | series | body | p50 | p95 |',
        '|---|---|---|---|---|',
        row('@opentelemetry/exporter-prometheus', otel),
        row('prom-client', promClient),
        `ratio (OTel / prom-client, p50): ${(otel.p50Ms / promClient.p50Ms).toFixed(1)}×`,
        '',
      ].join('\n'),
    );
  });
}
