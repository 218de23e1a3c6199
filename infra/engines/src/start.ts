import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { EngineName } from './engine';
import { EngineStartError, EnginesError } from './errors';
import { LineTail, forEachLine } from './lines';
import { cliPath } from './paths';

export interface StartEngineOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  dataDir: string;
  /** Receives the engine's log lines (default: dropped, but kept for error messages). */
  log?: (line: string) => void;
  /**
   * Run in a process group of its own, so `kill('SIGKILL')` can take the whole engine
   * down at once like a crash would (tests of restarts use this).
   */
  detached?: boolean;
  timeoutMs?: number;
}

export interface EngineProcess {
  readonly name: EngineName;
  readonly url: string;
  /** The `support-engines` runner; with `detached`, also its process group id. */
  readonly pid: number;
  readonly exited: Promise<void>;
  /** SIGTERM, wait for a clean stop (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Signals the runner, or its whole process group when detached. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts `support-engines <name>` as a child process and resolves once it printed
 * `ready <url>`. Used by the test harness, benchmarks and the dev runner.
 */
export function startEngine(name: EngineName, options: StartEngineOptions): Promise<EngineProcess> {
  if (!fs.existsSync(cliPath)) {
    return Promise.reject(
      new EnginesError('NOT_BUILT', `${cliPath} is missing: run \`npm run build -w infra/engines\` first`),
    );
  }
  const { dataDir, port = 0, detached = false, timeoutMs = 90_000 } = options;
  const log = options.log ?? (() => undefined);
  const child = spawn(process.execPath, [cliPath, name, '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const pid = child.pid ?? -1;
  const tail = new LineTail();
  forEachLine(child.stderr, (line) => {
    tail.push(line);
    log(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;

  const kill = (signal: NodeJS.Signals): void => {
    if (!isRunning()) return;
    try {
      if (detached) process.kill(-pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = 30_000): Promise<void> => {
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill('SIGKILL');
      reject(new EngineStartError(name, `no "ready" line after ${timeoutMs} ms\n${tail.toString()}`));
    }, timeoutMs);
    forEachLine(child.stdout, (line) => {
      const match = /^ready (\S+)$/.exec(line);
      if (!match) return log(line);
      clearTimeout(timer);
      resolve({ name, url: match[1]!, pid, exited, stop, kill });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new EngineStartError(name, `exited with ${signal ?? code}\n${tail.toString()}`));
    });
  });
}
