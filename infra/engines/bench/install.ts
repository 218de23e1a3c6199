import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { percentile } from '@support-center/engines';
import type { Row } from './stats';

const RUNS = 5;
const TARGET_MS = 3_000;
/** The built CLI, as `npx support-engines` runs it. */
const CLI = path.join(
  path.dirname(require.resolve('@support-center/engines/package.json')),
  'dist',
  'cli.js',
);

/**
 * `support-engines install` when everything is installed: it runs before every `npm test` and
 * `npm run dev`, so it must return at once. (The install test checks only that it changes nothing.)
 */
export function installUpToDate(): Row[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [CLI, 'install'], { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`support-engines install exited ${result.status}: ${result.stderr}`);
    samples.push(performance.now() - started);
  }
  const median = percentile(samples, 50);
  return [
    {
      measure: `install when up to date (median of ${RUNS})`,
      value: `${(median / 1000).toFixed(2)} s`,
      target: '≤ 3 s',
      met: median <= TARGET_MS,
    },
  ];
}
