import { WaitForTimeoutError } from './errors';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Names the condition in the timeout message. */
  message?: string;
  /**
   * Treat a throwing condition as "not yet" (e.g. connection refused while a server
   * starts); its last error is reported on timeout. By default a throw ends the wait,
   * so a condition can fail fast (the process under test exited).
   */
  ignoreErrors?: boolean;
}

/**
 * Polls `condition` until it returns a truthy value, and returns that value. Tests wait
 * for what they need to be true instead of sleeping for a guessed time.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, message = 'condition', ignoreErrors = false }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      if (!ignoreErrors) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) throw new WaitForTimeoutError(message, timeoutMs, lastError);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
