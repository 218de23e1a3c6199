import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderMetricsDoc } from '../metrics-doc';

// dist/scripts → the repository root.
const target = resolve(__dirname, '../../../../docs/metrics.md');
writeFileSync(target, renderMetricsDoc());
process.stdout.write(`wrote ${target}\n`);
