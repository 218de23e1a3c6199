import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { getFreePort } from './free-port';
import { waitFor } from './wait-for';

export type ServiceName = 'ticket' | 'auth' | 'file' | 'realtime';

export interface ServiceProcess {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  /** Everything the service wrote to stdout and stderr so far. */
  output(): string;
  /**
   * Sends a signal and resolves with the exit code; a process still running STOP_GRACE_MS later
   * is killed (code null), so a hung service never outlives its test.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const REPO_ROOT = resolve(__dirname, '../../..');
/** Longer than the kit's default shutdown deadline (10 s), within jest's hook timeout. */
const STOP_GRACE_MS = 20_000;

export interface StartOptions {
  /** What to wait for: `/health` (the process is up) or `/ready` (its dependencies too). */
  until?: '/health' | '/ready';
  timeoutMs?: number;
}

/**
 * Starts a built service (`services/<name>/dist/main.js`, as `npm start` does) on a free port
 * and waits for /health (or /ready). The test command builds every package before jest runs.
 */
export async function startServiceProcess(
  name: ServiceName,
  env: Record<string, string | undefined> = {},
  { until = '/health', timeoutMs = 20_000 }: StartOptions = {},
): Promise<ServiceProcess> {
  const port = await getFreePort();
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'services', name, 'dist/main.js')], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const url = `http://127.0.0.1:${port}`;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  await waitFor(
    async () => {
      if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode}:\n${output}`);
      return (await fetch(`${url}${until}`).catch(() => undefined))?.ok === true;
    },
    { timeoutMs, message: `${name} to answer ${until}` },
  );

  return {
    name,
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      const deadline = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}
