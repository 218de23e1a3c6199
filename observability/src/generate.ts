/**
 * Writes grafana/dashboards/<name>.json from src/dashboards: `npm run generate -w observability`.
 * The JSON is committed; the tests fail when it differs from what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR, renderDashboards } from './render';

mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const [name, json] of Object.entries(renderDashboards())) {
  writeFileSync(join(DASHBOARDS_DIR, `${name}.json`), json);
  process.stdout.write(`wrote grafana/dashboards/${name}.json\n`);
}
