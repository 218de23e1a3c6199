import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath } from '../src/paths';
import { makeTempDir } from './support';

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(label: string): string {
  const dir = makeTempDir(label);
  tempDirs.push(dir);
  return dir;
}

/** A PATH holding only `node`, like a machine without the toolchains. */
function barePath(): string {
  const dir = tempDir('bare-path');
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  return dir;
}

function runInstall(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, 'install'], { env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('support-engines install', () => {
  it('changes nothing when everything is installed', () => {
    // The global setup could only start the engines because install already ran.
    const result = runInstall(process.env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('nothing to install; up to date: kafka, ferretdb, s3');
    // How long that takes is the benchmark's figure (`npm run bench -w infra/engines`), not a test's.
  });

  it('names every missing tool and how to install it, and exits non-zero', () => {
    const cache = tempDir('empty-cache');
    const result = runInstall({ ...process.env, PATH: barePath(), SUPPORT_ENGINES_CACHE: cache });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing toolchain: java, mvn, go, git, npm not found on PATH');
    expect(result.stderr).toContain('apt-get install openjdk-17-jre-headless');
    expect(result.stderr).toContain('apt-get install maven');
    expect(result.stderr).toMatch(/go: .*apt-get install golang/);
    expect(fs.readdirSync(cache)).toEqual([]);
  });

  it('still needs java when everything is cached, since Kafka runs on it', () => {
    const result = runInstall({ ...process.env, PATH: barePath() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing toolchain: java not found on PATH');
  });
});
