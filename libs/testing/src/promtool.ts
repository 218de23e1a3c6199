import { spawnSync } from 'node:child_process';

/**
 * Runs `promtool check metrics` on an exposition and returns what it printed (empty when
 * clean). promtool comes from Debian's `prometheus` package, which .ci/run installs.
 */
export function promtoolCheckMetrics(exposition: string): string {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `promtool is not available (${result.error.message}); install Debian's prometheus package`,
    );
  }
  return `${result.stdout}${result.stderr}`.trim();
}
