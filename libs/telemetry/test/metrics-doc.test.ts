import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { families, renderMetricsDoc } from '../src';

const DOC = resolve(__dirname, '../../../docs/metrics.md');

describe('docs/metrics.md', () => {
  it('is what the catalog renders (run `npm run docs:metrics` after changing the catalog)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderMetricsDoc());
  });

  it('lists every family and maps the seed names that changed', () => {
    const doc = renderMetricsDoc();
    for (const name of Object.keys(families)) expect(doc).toContain(`| \`${name}\` |`);
    expect(doc).toContain('| `auth_duration_ms` | `auth_duration_seconds` |');
    expect(doc).toContain('| `cache_keys_total` | `cache_keys` |');
  });
});
