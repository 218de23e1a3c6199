import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { buildDashboards } from './dashboards';

/** Where the generated dashboards are committed. */
export const DASHBOARDS_DIR = resolve(__dirname, '..', 'grafana', 'dashboards');

/**
 * Every dashboard as the JSON file committed under grafana/dashboards/, formatted by the
 * repository's prettier (its CLI, so this stays synchronous and runs under jest too).
 */
export function renderDashboards(): Record<string, string> {
  const prettier = require.resolve('prettier/bin/prettier.cjs');
  const rendered: Record<string, string> = {};
  for (const [name, dashboard] of Object.entries(buildDashboards())) {
    const result = spawnSync(
      process.execPath,
      [prettier, '--stdin-filepath', join(DASHBOARDS_DIR, `${name}.json`)],
      {
        input: JSON.stringify(dashboard),
        encoding: 'utf8',
      },
    );
    if (result.status !== 0) throw new Error(`prettier failed on ${name}.json: ${result.stderr}`);
    rendered[name] = result.stdout;
  }
  return rendered;
}
