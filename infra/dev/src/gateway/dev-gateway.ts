import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startChild, type Child } from '../child';
import { devTarget, readTemplate, renderNginx } from './render-nginx';
import { loadRouteTable } from './route-table';

export const DEFAULT_GATEWAY_PORT = 8000;

/** GATEWAY_PORT, checked: the port `npm run dev` serves the one local origin on. */
export function gatewayPort(env: NodeJS.ProcessEnv): number {
  const value = env.GATEWAY_PORT?.trim();
  if (!value) return DEFAULT_GATEWAY_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535)
    throw new Error(`GATEWAY_PORT must be a port number (1-65535), not "${value}"`);
  return port;
}

/**
 * Debian's nginx (`apt-get install nginx`; .ci/run installs it), searched on PATH and in the sbin
 * folders a non-login shell may lack; undefined when it is not installed.
 */
export function findNginx(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((dir) => join(dir, 'nginx')).find((candidate) => candidate && existsSync(candidate));
}

/**
 * Runs the gateway the way production does, from the same route table and template, with the
 * services on this machine's loopback: its configuration goes to a temporary directory (nginx's
 * prefix, where it also keeps its temp files) that is removed once it stopped.
 */
export function startDevGateway(
  nginx: string,
  port: number,
  services: Record<string, number>,
  env: NodeJS.ProcessEnv,
): Child {
  const dir = mkdtempSync(join(tmpdir(), 'support-gateway-'));
  // Started as root, nginx's workers run as another user and create their temp files here.
  chmodSync(dir, 0o755);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderNginx(readTemplate(), loadRouteTable(), devTarget(port, services)));
  const child = startChild(
    'gateway',
    nginx,
    // -e: before reading its configuration nginx would open the system's error log, which a user
    // other than root cannot write.
    ['-p', dir, '-c', conf, '-e', 'stderr', '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
    env,
  );
  void child.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  return child;
}
