import { EngineStartError } from './errors';
import type { ChildHandle, LogSink } from './process';

/**
 * Resolves when `check()` is true, rejects if the child exits first or time runs out.
 * Readiness is always a condition we observe, never a fixed sleep.
 */
export async function waitUntilReady(
  engine: string,
  child: ChildHandle,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describeFailure: () => string,
): Promise<void> {
  let exitedEarly = false;
  void child.exited.then(() => {
    exitedEarly = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (exitedEarly) {
      const { code, signal } = await child.exited;
      throw new EngineStartError(engine, `exited with ${signal ?? code}\n${describeFailure()}`);
    }
    if (Date.now() > deadline) {
      await child.stop(2_000);
      throw new EngineStartError(engine, `not ready after ${timeoutMs} ms\n${describeFailure()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A log sink that also remembers whether a line matching `pattern` went by. */
export function watchLog(log: LogSink, pattern: RegExp): { sink: LogSink; seen: () => boolean } {
  let seen = false;
  return {
    sink: (line) => {
      if (!seen && pattern.test(line)) seen = true;
      log(line);
    },
    seen: () => seen,
  };
}
