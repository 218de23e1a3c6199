import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const THE_ONLY_PLACE = 'libs/telemetry/src/catalog/instruments.ts';
const CREATES_INSTRUMENT =
  /\.create(Counter|UpDownCounter|Histogram|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)\s*[(<]/;

describe('instrument creation', () => {
  it(`happens only in ${THE_ONLY_PLACE}`, () => {
    // Every TypeScript source of the repository that git knows (tracked or new, not ignored).
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      // Benchmarks measure the SDK itself on families of their own; they never run in a service.
      .filter((f) => f && !f.includes('/test/') && !f.includes('/bench/') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter(
      (f) => f !== THE_ONLY_PLACE && CREATES_INSTRUMENT.test(readFileSync(resolve(ROOT, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
    expect(CREATES_INSTRUMENT.test(readFileSync(resolve(ROOT, THE_ONLY_PLACE), 'utf8'))).toBe(true);
  });
});
