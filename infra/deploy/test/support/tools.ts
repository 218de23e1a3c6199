import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The path of a Debian tool, searching PATH and the sbin folders a non-login shell may lack.
 * Throws with the package to install: .ci/run installs both.
 */
export function requireTool(name: string, debianPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
  const found = dirs.map((dir) => join(dir, name)).find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${name} is not installed: apt-get install ${debianPackage} (.ci/run does)`);
  return found;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool with a clean environment, so no variable of the calling shell leaks into the check.
 * Its output goes to files, as in a container: nginx opens /dev/stdout, which a socket (node's
 * pipes) cannot be reopened as.
 */
export function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): RunResult {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-run-'));
  const out = openSync(join(dir, 'stdout'), 'w');
  const err = openSync(join(dir, 'stderr'), 'w');
  try {
    const result = spawnSync(command, args, {
      cwd,
      stdio: ['ignore', out, err],
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    if (result.error) throw result.error;
    return {
      status: result.status,
      stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
      stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
    };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}
