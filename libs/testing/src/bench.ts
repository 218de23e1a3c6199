import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile, startEngine } from '@support-center/engines';

export { percentile };

/** `--name value` pairs of a benchmark's command line; a bare `--flag` maps to an empty string. */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(
    argv
      .join(' ')
      .split('--')
      .filter(Boolean)
      .map((arg) => {
        const [name = '', value = ''] = arg.trim().split(/\s+/);
        return [name, value];
      }),
  );
}

export interface BenchEngines {
  mongo: string;
  kafka: string;
  stop(): Promise<void>;
}

/**
 * MongoDB and Kafka for a benchmark: the ones MONGO_URL and KAFKA_BROKERS name, or a FerretDB and
 * a Kafka of its own on free ports with temporary data, removed by `stop()`.
 */
export async function benchEngines(label: string): Promise<BenchEngines> {
  if (process.env.MONGO_URL && process.env.KAFKA_BROKERS) {
    return { mongo: process.env.MONGO_URL, kafka: process.env.KAFKA_BROKERS, stop: async () => {} };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-bench-`));
  const [mongo, kafka] = await Promise.all([
    startEngine('mongo', { dataDir: path.join(dir, 'mongo') }),
    startEngine('kafka', { dataDir: path.join(dir, 'kafka') }),
  ]);
  return {
    mongo: mongo.url,
    kafka: kafka.url,
    async stop() {
      await Promise.all([mongo.stop(), kafka.stop()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** How a variant's rounds compare with the baseline's: each round's ratio to the baseline round run beside it, minus 1. */
export interface PairedComparison {
  median: number;
  /**
   * A 95 % confidence interval for the median: how precisely the rounds pin it down. A goal is
   * shown met only when the whole interval meets it.
   */
  low: number;
  high: number;
}

/**
 * Compares rounds with the baseline's rounds taken beside them, pair by pair, so that a machine
 * whose speed drifts during the run does not count as a difference.
 */
export function comparePaired(rounds: readonly number[], baseline: readonly number[]): PairedComparison {
  const ratios = rounds.map((value, i) => value / (baseline[i] ?? value) - 1).sort((a, b) => a - b);
  // Too few rounds to bound a side leave the whole range on that side.
  const { low = 0, high = ratios.length - 1 } = intervalRanks(ratios.length, 0.5);
  return {
    median: median(ratios),
    low: ratios[low] ?? Number.NaN,
    high: ratios[high] ?? Number.NaN,
  };
}

/** A percentile of samples and a 95 % confidence interval for the population's. */
export interface PercentileEstimate {
  value: number;
  /** -Infinity or Infinity on a side the samples are too few to bound. */
  low: number;
  high: number;
}

/**
 * The `p`th percentile of `samples` (nearest rank) with a distribution-free 95 % confidence
 * interval from the order statistics, so a goal on a tail is shown met only when the whole
 * interval meets it. A side the samples cannot bound is infinite: a p99 needs 367 samples for a
 * finite top (the largest one), about 1,000 for one below it.
 */
export function percentileInterval(samples: readonly number[], p: number): PercentileEstimate {
  const sorted = [...samples].sort((a, b) => a - b);
  const { low, high } = intervalRanks(sorted.length, p / 100);
  return {
    value: percentile(sorted, p),
    low: low === undefined ? Number.NEGATIVE_INFINITY : (sorted[low] as number),
    high: high === undefined ? Number.POSITIVE_INFINITY : (sorted[high] as number),
  };
}

/**
 * The 0-based ranks, in n sorted samples, of a 95 % interval for the population's q-quantile: the
 * number of samples below that quantile is Binomial(n, q), and each bound is the rank that leaves
 * at most 2.5 % on its side. It assumes nothing about the shape of the noise. A side no rank bounds
 * is undefined.
 */
function intervalRanks(n: number, q: number): { low?: number; high?: number } {
  // P(X <= k) for X ~ Binomial(n, q), k = 0 … n, summed in log space so that a large n does not underflow.
  const atMost: number[] = [];
  let logTerm = n * Math.log1p(-q); // log P(X = 0)
  let sum = 0;
  for (let k = 0; k <= n; k += 1) {
    sum += Math.exp(logTerm);
    atMost.push(sum);
    logTerm += Math.log((n - k) / (k + 1)) + Math.log(q / (1 - q)); // log P(X = k + 1)
  }
  // The sample of rank r (0-based) lies above the quantile when at most r samples do not: P(X <= r).
  const lowCount = atMost.findLastIndex((probability) => probability <= 0.025);
  // …and below it when more than r samples are: 1 - P(X <= r).
  const high = atMost.findIndex((probability) => 1 - probability <= 0.025);
  return {
    ...(lowCount >= 0 ? { low: lowCount } : {}),
    ...(high >= 0 && high < n ? { high } : {}),
  };
}

/** `-3.6 % (-5.8 % … +0.4 %)`: the median ratio and its 95 % interval. */
export function formatComparison({ median, low, high }: PairedComparison): string {
  return `${percent(median)} (${percent(low)} … ${percent(high)})`;
}

function percent(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)} %`;
}
