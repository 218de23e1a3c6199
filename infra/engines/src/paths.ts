import path from 'node:path';

/**
 * Where things live. Modules sit one level below the package directory both as
 * sources (src/) and as build output (dist/), so the same relative walk works for both.
 */
export const packageDir = path.resolve(__dirname, '..');
export const repoRoot = path.resolve(packageDir, '..', '..');

/** The gitignored install cache; SUPPORT_ENGINES_CACHE moves it (tests use a temp dir). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SUPPORT_ENGINES_CACHE ?? path.join(repoRoot, '.cache', 'engines');
}

/** The gitignored data root used by `up`; SUPPORT_DATA_DIR moves it (the dev runner's test uses a temp dir). */
export function dataRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.SUPPORT_DATA_DIR ?? path.join(repoRoot, '.data');
}

/** The compiled CLI; child engines always run from the build (plain Node cannot run .ts). */
export const cliPath = path.join(packageDir, 'dist', 'cli.js');

/** Inputs of the install steps, committed in the repository. */
export const kafkaPomPath = path.join(packageDir, 'kafka', 'pom.xml');
export const ferretdbLauncherDir = path.join(packageDir, 'ferretdb-launcher');

export interface EnginePaths {
  kafkaLibs: string;
  ferretdbBinary: string;
  s3Prefix: string;
  s3rverModule: string;
}

export function enginePaths(cache: string = cacheDir()): EnginePaths {
  const s3Prefix = path.join(cache, 's3');
  return {
    kafkaLibs: path.join(cache, 'kafka', 'libs'),
    ferretdbBinary: path.join(cache, 'ferretdb', 'ferretdb-launcher'),
    s3Prefix,
    s3rverModule: path.join(s3Prefix, 'node_modules', 's3rver'),
  };
}
