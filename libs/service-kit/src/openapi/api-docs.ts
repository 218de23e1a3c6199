import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The API documents committed under docs/api/ (`npm run docs:api` writes them, each service's
 * freshness test compares): one rendering, so a stale file is a real change, not formatting.
 */
export function renderApiDocument(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Writes each document, by file name, into `dir` (docs/api of the repository). */
export function writeApiDocuments(dir: string, documents: Record<string, object>): void {
  mkdirSync(dir, { recursive: true });
  for (const [file, document] of Object.entries(documents)) {
    const target = join(dir, file);
    writeFileSync(target, renderApiDocument(document));
    process.stdout.write(`wrote ${target}\n`);
  }
}
