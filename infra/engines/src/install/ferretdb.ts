import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { InstallStepError } from '../errors';
import { ferretdbLauncherDir } from '../paths';
import { runCommand } from './run-command';
import { hashFiles } from './stamp';
import type { InstallContext, InstallStep } from './step';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const patchesDir = path.join(ferretdbLauncherDir, 'patches');

/** The files of `dir` whose names end with `suffix`, in name order. */
function filesEnding(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(suffix))
    .sort()
    .map((file) => path.join(dir, file));
}

/** The patches applied to FerretDB's source before the build, in name order. */
const ferretdbPatches = (): string[] => filesEnding(patchesDir, '.patch');

/** go.mod, go.sum, every Go source file and every patch: a change to any must rebuild the launcher. */
function launcherSources(): string[] {
  return [
    ...['go.mod', 'go.sum'].map((file) => path.join(ferretdbLauncherDir, file)),
    ...filesEnding(ferretdbLauncherDir, '.go'),
    ...ferretdbPatches(),
  ];
}

/**
 * Our FerretDB launcher, built from the committed Go module (go.sum pins every module) against
 * FerretDB's own source with `patches/` applied: the module as go.sum pins it is copied, patched
 * with `git apply`, and put in place by a `replace` in a build copy of go.mod (the committed one
 * stays as it is).
 */
export function ferretdbStep(context: InstallContext): InstallStep {
  const binary = context.paths.ferretdbBinary;
  const work = path.join(path.dirname(binary), 'build');
  return {
    name: 'ferretdb',
    tools: ['go', 'git'],
    stampFile: path.join(path.dirname(binary), '.stamp'),
    outputs: [binary],
    digest: () => hashFiles(launcherSources()),
    async run({ env, log }) {
      const go = { cwd: ferretdbLauncherDir, env: { ...env, CGO_ENABLED: '0' }, log };
      fs.rmSync(work, { recursive: true, force: true });
      const source = path.join(work, 'ferretdb');
      fs.cpSync(await moduleDir(FERRETDB_MODULE, go.env), source, { recursive: true });
      // The module cache is read-only.
      await runCommand('ferretdb', 'chmod', ['-R', 'u+w', source], go);
      // Outside any repository: inside one (this checkout), `git apply` reads a patch's paths from
      // the repository's root and skips, with exit 0, those outside the current directory.
      const apply = { ...go, cwd: source, env: { ...go.env, GIT_CEILING_DIRECTORIES: work } };
      for (const patch of ferretdbPatches())
        await runCommand('ferretdb', 'git', ['apply', '--verbose', patch], apply);

      const modfile = path.join(work, 'go.mod');
      fs.copyFileSync(path.join(ferretdbLauncherDir, 'go.mod'), modfile);
      fs.copyFileSync(path.join(ferretdbLauncherDir, 'go.sum'), path.join(work, 'go.sum'));
      await runCommand(
        'ferretdb',
        'go',
        ['mod', 'edit', `-replace=${FERRETDB_MODULE}=${source}`, modfile],
        go,
      );
      const staging = `${binary}.partial`;
      // -mod=readonly: the committed go.sum is the only source of truth; never rewrite it.
      await runCommand(
        'ferretdb',
        'go',
        ['build', `-modfile=${modfile}`, '-mod=readonly', '-trimpath', '-o', staging, '.'],
        go,
      );
      fs.renameSync(staging, binary);
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Where the Go module cache holds `module` at the version go.mod requires (downloaded if need be). */
async function moduleDir(module: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', module], {
      cwd: ferretdbLauncherDir,
      env,
    });
    const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!dir) throw new Error(`go mod download named no directory for ${module}`);
    return dir;
  } catch (error) {
    throw new InstallStepError('ferretdb', `cannot fetch the source of ${module}`, error);
  }
}
