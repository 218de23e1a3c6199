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
    expect(lintErrors(files, probe, '@typescript-eslint/no-restricted-imports')).toEqual(
      Object.fromEntries(files.map((file) => [file, file.includes('/src/') ? 4 : 0])),
    );
  });

  it("lint refuses MongoDB's duplicate-key code in production src/ but in libs/store", () => {
    const probe = 'export const duplicate = (error: { code?: number }) => error.code === 11000;\n';
    const files = PRODUCTION.map((dir) => `${dir}/src/probe.ts`);
    expect(lintErrors(files, probe, 'no-restricted-syntax')).toEqual(
      Object.fromEntries(files.map((file) => [file, file.startsWith('libs/store/') ? 0 : 1])),
    );
  });
});

/** How many errors of `ruleId` the repository's lint reports on `code` at each of `files`. */
function lintErrors(files: string[], code: string, ruleId: string): Record<string, number> {
  // ESLint loads its flat config with import(), which jest's module runtime does not serve:
  // the linting runs in a plain node process.
  const script = `
    const { ESLint } = require('eslint');
    const [root, files, code, ruleId] = process.argv.slice(1);
    const eslint = new ESLint({ cwd: root });
    Promise.all(JSON.parse(files).map((filePath) => eslint.lintText(code, { filePath }))).then((results) =>
      process.stdout.write(JSON.stringify(results.map(([r]) => r.messages.filter((m) => m.ruleId === ruleId).length))),
    );`;
  const output = execFileSync(
    process.execPath,
    ['-e', script, REPO_ROOT, JSON.stringify(files), code, ruleId],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  const counts = JSON.parse(output) as number[];
  return Object.fromEntries(files.map((file, i) => [file, counts[i] ?? -1]));
}
