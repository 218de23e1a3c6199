import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Counter as PromCounter, Histogram as PromHistogram, Registry } from 'prom-client';
import { buckets, PrometheusTextSerializer, scrapeHandler } from '@support-center/telemetry';

/**
 * `/metrics` at 10,000 series, three ways side by side in one run: the OpenTelemetry Prometheus
 * exporter's own serializer, ours (PrometheusTextSerializer, what the services serve) on the same
 * exporter's collected data, and prom-client holding the same series. 500 histogram label sets ×
 * 17 series (14 buckets, +Inf, _sum, _count) plus 1,500 counter series.
 *
 * The machine these run on is shared and its speed drifts: read the ratios, taken within one run,
 * rather than the milliseconds.
 *
 * Time: scraped over HTTP as Prometheus does, in rounds that take one scrape of each in a rotating
 * order, so a machine whose speed drifts weighs on all three alike. The goal (ours at most half
 * prom-client's time) is judged on the ratio of the medians, with a 95 % bootstrap interval over
 * the rounds, and is met only when the whole interval is at most 0.5.
 *
 * Allocations: in a child process with a young generation large enough that no collection runs
 * during a scrape, the V8 heap grown by one render (collect and serialize, or prom-client's
 * `metrics()`, no HTTP), and the ArrayBuffer memory it holds (our output buffer).
 */
const HISTOGRAM_SETS = 500;
const COUNTER_SERIES = 1500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARM_UP_ROUNDS = 5;
const ALLOCATION_SAMPLES = 25;
const GOAL = 0.5;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Variant {
  name: string;
  /** Serves a scrape. */
  handler: Handler;
  /** Renders the exposition in-process, without HTTP. */
  render: () => Promise<string | Buffer>;
}

/** A distinct label set per index, shaped like the HTTP families' (route template, method). */
function labels(i: number) {
  return {
    handler: `/api/v1/route${i % 100}/:id`,
    method: ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'][Math.floor(i / 100) % 5] ?? 'GET',
    shard: String(Math.floor(i / 500)),
  };
}

/**
 * The exporter's handler and ours, on one SDK (one reader), so both serialize the same collection;
 * and the SDK's collection alone, which both include.
 */
function otelVariants(): { variants: Variant[]; collect: () => Promise<unknown> } {
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

  const upstream = new PrometheusSerializer(undefined, false, undefined, false, true);
  const ours = new PrometheusTextSerializer({ withoutScopeInfo: true });
  const variants: Variant[] = [
    {
      name: '@opentelemetry/exporter-prometheus',
      handler: (req, res) => exporter.getMetricsRequestHandler(req, res),
      render: async () => upstream.serialize((await exporter.collect()).resourceMetrics),
    },
    {
      name: 'PrometheusTextSerializer (ours)',
      handler: scrapeHandler(exporter, ours),
      render: async () => ours.serialize((await exporter.collect()).resourceMetrics),
    },
  ];
  return { variants, collect: () => exporter.collect() };
}

function promClientVariant(): Variant {
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
  return {
    name: 'prom-client 15',
    handler: (_req, res) => {
      void registry.metrics().then((text) => res.setHeader('Content-Type', registry.contentType).end(text));
    },
    render: () => registry.metrics(),
  };
}

function variants(): Variant[] {
  return [...otelVariants().variants, promClientVariant()];
}

interface Scraped {
  url: string;
  server: Server;
  series: number;
  bytes: number;
  body: string;
  times: number[];
}

async function listen(handler: Handler): Promise<Omit<Scraped, 'series' | 'bytes' | 'body' | 'times'>> {
  const server = createServer(handler);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

async function scrape(url: string): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const body = await (await fetch(url)).text();
  return { ms: performance.now() - started, body };
}

/** Every variant scraped once per round, the order rotating from round to round. */
async function timeScrapes(all: Variant[]): Promise<Scraped[]> {
  const scraped: Scraped[] = [];
  for (const variant of all) {
    const { server, url } = await listen(variant.handler);
    const { body } = await scrape(url);
    const series = body
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('target_info')).length;
    scraped.push({ server, url, body, series, bytes: Buffer.byteLength(body), times: [] });
  }
  try {
    for (let round = -WARM_UP_ROUNDS; round < ROUNDS; round += 1) {
      for (let k = 0; k < scraped.length; k += 1) {
        const target = scraped[(k + Math.max(0, round)) % scraped.length]!;
        const { ms } = await scrape(target.url);
        if (round >= 0) target.times.push(ms);
      }
    }
  } finally {
    await Promise.all(scraped.map((s) => new Promise((closed) => s.server.close(closed))));
  }
  return scraped;
}

/** In-process render time (no HTTP), in the same rotating rounds. */
async function timeRenders(all: Variant[]): Promise<number[][]> {
  const times = all.map((): number[] => []);
  for (let round = -WARM_UP_ROUNDS; round < ROUNDS; round += 1) {
    for (let k = 0; k < all.length; k += 1) {
      const index = (k + Math.max(0, round)) % all.length;
      const started = performance.now();
      await all[index]!.render();
      if (round >= 0) times[index]!.push(performance.now() - started);
    }
  }
  return times;
}

interface Allocation {
  heapBytes: number;
  arrayBufferBytes: number;
  samples: number;
}

/** Runs in the child (see `main`): V8 heap and ArrayBuffer bytes per render, samples with a GC inside dropped. */
async function measureAllocations(): Promise<Allocation[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const collections: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      collections.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const results: Allocation[] = [];
  const otel = otelVariants();
  const collectOnly = { render: async () => (await otel.collect(), 'collected') };
  for (const variant of [...otel.variants, promClientVariant(), collectOnly]) {
    for (let i = 0; i < WARM_UP_ROUNDS; i += 1) await variant.render();
    const samples: { start: number; end: number; heap: number; arrayBuffers: number }[] = [];
    for (let i = 0; i < ALLOCATION_SAMPLES; i += 1) {
      gc();
      const before = process.memoryUsage();
      const start = performance.now();
      const output = await variant.render();
      const end = performance.now();
      const after = process.memoryUsage();
      samples.push({
        start,
        end,
        heap: after.heapUsed - before.heapUsed,
        arrayBuffers: after.arrayBuffers - before.arrayBuffers,
      });
      if (output.length === 0) throw new Error('empty exposition');
    }
    // GC entries arrive asynchronously.
    await new Promise((settled) => setTimeout(settled, 50));
    const clean = samples.filter((s) => !collections.some((c) => c.end >= s.start && c.start <= s.end));
    results.push({
      heapBytes: median(clean.map((s) => s.heap)),
      arrayBufferBytes: median(clean.map((s) => s.arrayBuffers)),
      samples: clean.length,
    });
  }
  observer.disconnect();
  return results;
}

function allocationsInChild(): Promise<Allocation[]> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--allocations'], {
      execArgv: ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (message) => resolve(message as Allocation[]));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`allocation child exited ${code}`)));
  });
}

function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** A 95 % percentile-bootstrap interval for median(a) / median(b), resampling whole rounds (pairs). */
function bootstrapRatio(a: readonly number[], b: readonly number[], resamples = 2000): [number, number] {
  const ratios: number[] = [];
  const n = Math.min(a.length, b.length);
  for (let r = 0; r < resamples; r += 1) {
    const ra: number[] = [];
    const rb: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const pick = Math.floor(Math.random() * n);
      ra.push(a[pick]!);
      rb.push(b[pick]!);
    }
    ratios.push(median(ra) / median(rb));
  }
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const kib = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;

function ratioLine(label: string, ours: number[], promClient: number[]): string {
  const ratio = median(ours) / median(promClient);
  const [low, high] = bootstrapRatio(ours, promClient);
  const verdict = high <= GOAL ? 'met' : 'not met';
  return `${label}: ${ratio.toFixed(2)} (95 % CI ${low.toFixed(2)} … ${high.toFixed(2)}), goal ≤ ${GOAL}: ${verdict}`;
}

async function main(): Promise<void> {
  const all = variants();
  const scraped = await timeScrapes(all);
  const [upstream, ours] = scraped;
  if (ours!.body !== upstream!.body) throw new Error('our exposition differs from the exporter’s');
  const renders = await timeRenders(all);
  const allocations = await allocationsInChild();
  const rows = all.map((variant, i) => {
    const s = scraped[i]!;
    const a = allocations[i]!;
    return `| ${variant.name} | ${s.series.toLocaleString('en-US')} | ${kib(s.bytes)} | ${ms(median(s.times))} | ${ms(quantile(s.times, 0.95))} | ${ms(median(renders[i]!))} | ${ms(quantile(renders[i]!, 0.95))} | ${kib(a.heapBytes)} | ${kib(a.arrayBufferBytes)} |`;
  });
  process.stdout.write(
    [
      `/metrics at 10,000 series: ${ROUNDS} rotating rounds (after ${WARM_UP_ROUNDS} of warm-up), allocations the median of ${ALLOCATION_SAMPLES} renders`,
      '| serializer | series | body | scrape p50 | scrape p95 | render p50 | render p95 | heap allocated per scrape | ArrayBuffer per scrape |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      `the SDK's collection alone, included in both OpenTelemetry rows: ${kib(allocations[3]!.heapBytes)} of heap per scrape`,
      ratioLine('ours / prom-client, scrape p50', scraped[1]!.times, scraped[2]!.times),
      ratioLine('ours / prom-client, render p50', renders[1]!, renders[2]!),
      `exporter / prom-client, scrape p50: ${(median(scraped[0]!.times) / median(scraped[2]!.times)).toFixed(2)}`,
      'our body is byte-identical to the exporter’s: yes',
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  if (process.argv.includes('--allocations')) {
    void measureAllocations().then((result) => process.send?.(result, () => process.exit(0)));
  } else {
    void main();
  }
}
