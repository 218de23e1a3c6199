import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderAll } from './render';

// dist/codegen → the package's src/generated, from the repository's docs/api.
const packageDir = join(__dirname, '../..');
const target = join(packageDir, 'src/generated');

async function main() {
  mkdirSync(target, { recursive: true });
  for (const [file, text] of Object.entries(await renderAll(resolve(packageDir, '../../docs/api')))) {
    writeFileSync(join(target, file), text);
    process.stdout.write(`wrote ${join(target, file)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
