import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderAll } from './render';

/**
 * Writes src/generated from the repository's docs/api; with `--print`, prints the modules as JSON
 * instead (the freshness test runs this in plain Node: openapi-typescript loads ES modules jest cannot).
 */

// dist/codegen → the package.
const packageDir = join(__dirname, '../..');
const target = join(packageDir, 'src/generated');

async function main() {
  const modules = await renderAll(resolve(packageDir, '../../docs/api'));
  if (process.argv.includes('--print')) {
    process.stdout.write(JSON.stringify(modules));
    return;
  }
  mkdirSync(target, { recursive: true });
  for (const [file, text] of Object.entries(modules)) {
    writeFileSync(join(target, file), text);
    process.stdout.write(`wrote ${join(target, file)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
