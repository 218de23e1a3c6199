import { spawn, type ChildProcess } from 'node:child_process';
import { forEachLine } from './lines';
import { commandExists } from './install/toolchain';

export type LogSink = (line: string) => void;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  readonly pid: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log: LogSink;
  /**
   * Ask the kernel to kill the child when this process dies (prctl PR_SET_PDEATHSIG via
   * util-linux `setpriv`). A JVM never notices its parent is gone, so without this a
   * SIGKILLed runner would leave an orphaned broker holding the port and data dir.
   */
  dieWithParent?: boolean;
  /** Keep a pipe to the child's stdin open; it reads EOF when we die (ferretdb-launcher). */
  stdinPipe?: boolean;
}

let setprivAvailable: boolean | undefined;

function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  setprivAvailable ??= commandExists('setpriv');
  if (!setprivAvailable) return [command, args];
  return ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]];
}

/**
 * Runs a child in our process group (so killing the group takes it too), with each
 * output line sent to `log`.
 */
export function spawnChild(command: string, args: string[], options: SpawnOptions): ChildHandle {
  const [cmd, argv] = options.dieWithParent ? withParentDeathSignal(command, args) : [command, args];
  const child: ChildProcess = spawn(cmd, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (child.stdout) forEachLine(child.stdout, options.log);
  if (child.stderr) forEachLine(child.stderr, options.log);
  // An EPIPE on a dead child's stdin is expected; it must not crash the runner.
  child.stdin?.on('error', () => undefined);

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      options.log(`cannot run ${command}: ${error.message}`);
      resolve({ code: 127, signal: null });
    });
  });

  return {
    pid: child.pid ?? -1,
    exited,
    stop: (graceMs = 15_000) => stopChild(child, exited, graceMs),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<ExitInfo>, graceMs: number): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `onOrphaned` once our parent is gone (we were re-parented). Engines started by
 * a test run or `npm run dev` must not outlive them when they are SIGKILLed.
 */
export function watchParent(onOrphaned: () => void, intervalMs = 500): () => void {
  const original = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== original) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
