import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface Variant {
  name: string;
  env: Record<string, string>;
}

/** The variants every overhead bench compares; the first is the baseline. */
export const METRICS_OFF_AND_ON: Variant[] = [
  { name: 'ENABLE_METRICS=false', env: { ENABLE_METRICS: 'false' } },
  { name: 'ENABLE_METRICS=true', env: { ENABLE_METRICS: 'true' } },
];

export interface BenchServer {
  child: ChildProcess;
  url: string;
  /** The route the benches load. */
  itemUrl: string;
}

/**
 * Starts overhead-server.js with `env`, run by `node`, or by `wrapper` (a command and its
 * arguments, such as valgrind's) when given, and resolves once it listens.
 */
export async function startBenchServer(
  env: Record<string, string>,
  wrapper: string[] = [],
): Promise<BenchServer> {
  const [command = process.execPath, ...args] = [...wrapper, process.execPath];
  const child = spawn(command, [...args, resolve(__dirname, 'overhead-server.js')], {
    env: { ...process.env, LOG_LEVEL: 'silent', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((found, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match?.[1]) found(match[1]);
    });
    child.once('exit', (code) => failed(new Error(`server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return { child, url, itemUrl: `${url}/api/v1/items/42` };
}
