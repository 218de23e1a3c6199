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
  const k = medianIntervalRank(ratios.length);
  return {
    median: median(ratios),
    low: ratios[k] ?? Number.NaN,
    high: ratios[ratios.length - 1 - k] ?? Number.NaN,
  };
}

/**
 * The 0-based rank, in the sorted samples, of the lower bound of a distribution-free 95 % interval
 * for their median (the upper bound is as far from the end): the largest k for which k or fewer
 * samples fall below the true median at most 2.5 % of the time. It assumes nothing about the shape
 * of the noise. Five samples or fewer leave the whole range.
 */
function medianIntervalRank(n: number): number {
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that a large n does not underflow.
  let logTerm = n * Math.log(0.5); // log P(X = 0)
  let atMost = Math.exp(logTerm);
  let k = 0;
  while (k + 1 < n / 2) {
    logTerm += Math.log((n - k) / (k + 1)); // log P(X = k + 1)
    if (atMost + Math.exp(logTerm) > 0.025) break;
    atMost += Math.exp(logTerm);
    k += 1;
  }
  return k;
}

/** `-3.6 % (-5.8 % … +0.4 %)`: the median ratio and its 95 % interval. */
export function formatComparison({ median, low, high }: PairedComparison): string {
  return `${percent(median)} (${percent(low)} … ${percent(high)})`;
}

function percent(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)} %`;
}
