import autocannon from 'autocannon';
import { comparePaired, formatComparison, median, type PairedComparison } from '@support-center/testing';
import { METRICS_OFF_AND_ON, startBenchServer, type BenchServer, type Variant } from './bench-server';

/**
 * Instrumentation overhead: the same kit-built service with ENABLE_METRICS=true and =false,
 * loaded in alternating rounds in one run. Throughput is noisy on a shared 2-core machine, so
 * the server's CPU time per request is reported too (on a saturated core, throughput loss is its
 * increase), and each variant is compared with the baseline round by round, so a machine that
 * slows down during the run does not count as overhead.
 */
// Many short rounds rather than a few long ones: this machine's speed drifts over seconds, and
// pairs taken close together cancel the drift out.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = 16;
const GOAL_LOSS = 0.05;

const VARIANTS: Variant[] = [
  ...METRICS_OFF_AND_ON,
  ...(process.env.BENCH_VARIANTS === 'all'
    ? [
        {
          // The instrumentations and trace context of a traced service, with no span sampled.
          name: 'true, traces exported, every span sampled out',
          env: { ENABLE_METRICS: 'true', OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'always_off' },
        },
      ]
    : []),
];

async function cpuMicros(url: string): Promise<number> {
  const { user, system } = (await (await fetch(`${url}/bench/cpu`)).json()) as {
    user: number;
    system: number;
  };
  return user + system;
}

interface Round {
  requests: number;
  rps: number;
  p99: number;
  cpuPerRequestUs: number;
}

async function round({ url, itemUrl }: BenchServer): Promise<Round> {
  const before = await cpuMicros(url);
  const result = await autocannon({ url: itemUrl, connections: CONNECTIONS, duration: SECONDS });
  const cpu = (await cpuMicros(url)) - before;
  const requests = result.requests.total;
  return { requests, rps: result.requests.average, p99: result.latency.p99, cpuPerRequestUs: cpu / requests };
}

async function main(): Promise<void> {
  const servers = await Promise.all(VARIANTS.map((v) => startBenchServer(v.env)));
  try {
    for (const server of servers) await round(server); // warm-up: JIT, connections
    const rounds: Round[][] = VARIANTS.map(() => []);
    for (let r = 0; r < ROUNDS; r += 1) {
      // Every other round runs the variants backwards, so none always goes first or last.
      const order = [...servers.keys()];
      if (r % 2 === 1) order.reverse();
      for (const i of order) rounds[i]?.push(await round(servers[i]!));
    }
    const base = rounds[0] ?? [];
    const summary = VARIANTS.map((variant, i) => {
      const own = rounds[i] ?? [];
      const vsBase = (pick: (x: Round) => number) => comparePaired(own.map(pick), base.map(pick));
      return {
        name: variant.name,
        rps: median(own.map((x) => x.rps)),
        p99: median(own.map((x) => x.p99)),
        cpu: median(own.map((x) => x.cpuPerRequestUs)),
        rpsVsBase: vsBase((x) => x.rps),
        cpuVsBase: vsBase((x) => x.cpuPerRequestUs),
      };
    });
    const lines = [
      `Instrumentation overhead: GET /api/v1/items/:id, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s (medians; "vs off" is the median of the rounds' own ratios, with its 95 % confidence interval)`,
      '| variant | req/s | p99 | CPU per request | throughput vs off | CPU vs off |',
      '|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${s.name} | ${Math.round(s.rps)} | ${s.p99} ms | ${s.cpu.toFixed(0)} µs | ${formatComparison(s.rpsVsBase)} | ${formatComparison(s.cpuVsBase)} |`,
      ),
      '',
      goalVerdict(summary[1]?.rpsVsBase),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}

/** The goal, judged on the whole interval: one lucky median does not meet it. */
function goalVerdict(loss: PairedComparison | undefined): string {
  const goal = `Goal: at most ${GOAL_LOSS * 100} % throughput loss with metrics on`;
  // Five rounds or fewer leave the whole range, which covers the median less than 95 % of the time.
  if (!loss || ROUNDS < 6) return `${goal}: not shown (too few rounds for a 95 % interval).`;
  if (loss.low >= -GOAL_LOSS) return `${goal}: met (the whole interval is within it).`;
  if (loss.high < -GOAL_LOSS) return `${goal}: NOT met (the whole interval is beyond it).`;
  return `${goal}: not shown (the interval spans it; more rounds narrow it: BENCH_ROUNDS).`;
}

void main();
