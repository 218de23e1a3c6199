import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A stamp records the hash of a step's inputs once its output is complete, so a second
 * `install` can tell in a few file reads that nothing changed.
 */
export function hashInputs(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function hashFiles(files: readonly string[]): string {
  return hashInputs(files.flatMap((file) => [path.basename(file), fs.readFileSync(file)]));
}

export function stampMatches(stampFile: string, digest: string, outputs: readonly string[]): boolean {
  try {
    return fs.readFileSync(stampFile, 'utf8').trim() === digest && outputs.every((out) => fs.existsSync(out));
  } catch {
    return false;
  }
}

export function writeStamp(stampFile: string, digest: string): void {
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, `${digest}\n`);
}
