import type { EngineName } from './engine';
import { watchParent } from './process';
import { runEngine } from './run-engine';

/**
 * `support-engines <engine>`: runs one engine until SIGTERM/SIGINT, or until our parent
 * dies. Prints `ready <url>` on stdout once clients can connect; everything else goes
 * to stderr so that line is easy to wait for.
 */
export async function runForeground(name: EngineName, port: number, dataDir: string): Promise<number> {
  const engine = await runEngine(name, { port, dataDir, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`ready ${engine.url}\n`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= engine.stop());
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  const unwatch = watchParent(() => void stop());

  await engine.exited;
  unwatch();
  // Stopped on request: success. Exited by itself: the engine crashed.
  return stopping ? 0 : 1;
}
