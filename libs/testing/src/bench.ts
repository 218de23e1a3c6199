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
  /** The quartiles of the ratios: the spread a noisy machine leaves. */
  low: number;
  high: number;
}

/**
 * Compares rounds with the baseline's rounds taken beside them, pair by pair, so that a machine
 * whose speed drifts during the run does not count as a difference.
 */
export function comparePaired(rounds: readonly number[], baseline: readonly number[]): PairedComparison {
  const ratios = rounds.map((value, i) => value / (baseline[i] ?? value) - 1);
  return { median: median(ratios), low: percentile(ratios, 25), high: percentile(ratios, 75) };
}

/** `-3.6 % (-5.8 % … +0.4 %)`: the median ratio and its quartiles. */
export function formatComparison({ median, low, high }: PairedComparison): string {
  return `${percent(median)} (${percent(low)} … ${percent(high)})`;
}

function percent(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)} %`;
}
