import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once `condition` holds, polling; throws with `what` after `timeoutMs`. */
export async function until(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningGateway {
  url: string;
  /** What nginx wrote to stderr so far. */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * The gateway's own nginx.conf run by the real nginx binary, on a free port, with every service
 * route sent to one local upstream (addresses instead of Docker's DNS names, so no resolver is used).
 */
export async function runGateway(nginx: string, conf: string, upstream: string): Promise<RunningGateway> {
  const port = await freePort();
  const local = conf
    .replace(/listen 8000;/, `listen 127.0.0.1:${port};`)
    .replace(/(set \$\w+_upstream) http:\/\/[\w-]+:\d+;/g, `$1 ${upstream};`);
  const dir = mkdtempSync(join(tmpdir(), 'deploy-gateway-'));
  // nginx's workers (another user when started as root) create their temp files under the prefix.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'nginx.conf'), local);
  const stderr = join(dir, 'stderr.log');
  const child: ChildProcess = spawn(
    nginx,
    [
      '-p',
      dir,
      '-c',
      join(dir, 'nginx.conf'),
      '-e',
      stderr,
      '-g',
      `daemon off; pid ${join(dir, 'nginx.pid')};`,
    ],
    { stdio: ['ignore', openSync(join(dir, 'stdout.log'), 'w'), openSync(stderr, 'w')] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors = () => readFileSync(stderr, 'utf8');
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port}: ${errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
