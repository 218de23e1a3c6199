import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, repoPath, REPO_ROOT } from './support/repo';

interface PackageJson {
  name: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, { types?: string; default?: string }>;
  scripts?: Record<string, string>;
}

/** Every workspace package, by its folder relative to the repository root. */
function workspaceDirs(): string[] {
  const { workspaces } = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };
  return workspaces.flatMap((pattern) => {
    const parent = pattern.endsWith('/*') ? pattern.slice(0, -2) : undefined;
    const dirs = parent ? readdirSync(repoPath(parent)).map((name) => `${parent}/${name}`) : [pattern];
    return dirs.filter((dir) => existsSync(repoPath(dir, 'package.json')));
  });
}

const packages = workspaceDirs().map((dir) => ({
  dir,
  json: JSON.parse(readRepoFile(dir, 'package.json')) as PackageJson,
}));

/** The code the services run: what must not reach test, benchmark or engine code. */
const PRODUCTION = packages
  .map(({ dir }) => dir)
  .filter((dir) => /^services\/[^/]+$/.test(dir) || /^libs\/(events|service-kit|store|telemetry)$/.test(dir));

/** The files a package's manifest says it provides: main, types, bin and exports targets. */
function declaredEntryPoints(json: PackageJson): string[] {
  return [
    json.main,
    json.types,
    ...Object.values(json.bin ?? {}),
    ...Object.values(json.exports ?? {}).flatMap((target) => [target.types, target.default]),
  ].filter((file): file is string => file !== undefined);
}

function directoriesNamed(name: string, under: string): string[] {
  if (!existsSync(under)) return [];
  return readdirSync(under).flatMap((entry) => {
    const path = join(under, entry);
    if (!statSync(path).isDirectory()) return [];
    return [...(entry === name ? [path] : []), ...directoriesNamed(name, path)];
  });
}

describe('workspace packages', () => {
  it('finds the production packages', () => {
    expect(PRODUCTION).toEqual(
      expect.arrayContaining(['services/ticket', 'services/auth', 'services/file', 'services/realtime']),
    );
    expect(PRODUCTION).toHaveLength(8);
  });

  // Built by `npm test` before jest runs; a manifest naming a file the build never writes breaks
  // whoever imports the package, and the services are deployables nobody imports.
  it.each(packages.map(({ dir, json }) => [dir, json] as const))(
    '%s: every entry point its package.json names is a file the build produced',
    (dir, json) => {
      const missing = declaredEntryPoints(json).filter((file) => !existsSync(repoPath(dir, file)));
      expect(missing).toEqual([]);
    },
  );

  it.each(PRODUCTION.filter((dir) => dir.startsWith('services/')))(
    '%s: is started from its built main.js and declares no library entry point',
    (dir) => {
      const json = packages.find((p) => p.dir === dir)!.json;
      expect(json.scripts?.start).toBe('node dist/main.js');
      expect(existsSync(repoPath(dir, 'dist/main.js'))).toBe(true);
      expect(declaredEntryPoints(json)).toEqual([]);
    },
  );

  it('keeps benchmarks beside src/, never inside it', () => {
    const inside = packages.flatMap(({ dir }) => directoriesNamed('bench', repoPath(dir, 'src')));
    expect(inside.map((path) => path.slice(REPO_ROOT.length + 1))).toEqual([]);
  });

  it('lint refuses test, benchmark and engine imports in production src/, and allows them in bench/', () => {
    const probe = [
      "import { waitFor } from '@support-center/testing';",
      "import { startEngine } from '@support-center/engines';",
      "import { jest } from '@jest/globals';",
      "import helpers from '../test/helpers';",
      'export const used = [waitFor, startEngine, jest, helpers];',
      '',
    ].join('\n');
    const files = PRODUCTION.flatMap((dir) => [`${dir}/src/probe.ts`, `${dir}/bench/probe.ts`]);
    // ESLint loads its flat config with import(), which jest's module runtime does not serve:
    // the linting runs in a plain node process.
    const script = `
      const { ESLint } = require('eslint');
      const eslint = new ESLint({ cwd: process.argv[1] });
      const files = JSON.parse(process.argv[2]);
      Promise.all(files.map((filePath) => eslint.lintText(process.argv[3], { filePath }))).then((results) => {
        const restricted = results.map(([result]) =>
          result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').length);
        process.stdout.write(JSON.stringify(restricted));
      });`;
    const output = execFileSync(process.execPath, ['-e', script, REPO_ROOT, JSON.stringify(files), probe], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const restricted = JSON.parse(output) as number[];
    expect(Object.fromEntries(files.map((file, i) => [file, restricted[i]]))).toEqual(
      Object.fromEntries(files.map((file) => [file, file.includes('/src/') ? 4 : 0])),
    );
  });
});
