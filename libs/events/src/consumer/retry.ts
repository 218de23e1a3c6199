import type { BackoffOptions } from './types';

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialMs: 200, maxMs: 10_000 });

/** Longest stretch without a heartbeat while waiting, well under any session timeout (6 s at least). */
const HEARTBEAT_EVERY_MS = 1_000;

export type RetryResult<T> =
  | { readonly outcome: 'succeeded'; readonly value: T; readonly attempts: number }
  /** Attempts exhausted, or an error that says trying again cannot help. */
  | { readonly outcome: 'failed'; readonly error: unknown; readonly attempts: number }
  /** The signal fired during a wait: the work is left for whoever runs next. */
  | { readonly outcome: 'aborted'; readonly attempts: number };

export interface RetryOptions {
  maxAttempts: number;
  backoff: BackoffOptions;
  signal: AbortSignal;
  /** Keeps the group membership alive during long waits; its errors (a rebalance) propagate. */
  heartbeat: () => Promise<void>;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Errors carry `retriable: false` when trying again cannot help (EventsError, kafkajs errors);
 * anything else is presumed transient (MongoDB or Kafka briefly away).
 */
export function isRetriable(error: unknown): boolean {
  return !(
    typeof error === 'object' &&
    error !== null &&
    (error as { retriable?: unknown }).retriable === false
  );
}

/** Exponential backoff with jitter, so consumers that failed together do not retry together. */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Runs `work` until it succeeds, fails for good or the signal fires. */
export async function runWithRetries<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<RetryResult<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { outcome: 'succeeded', value: await work(attempt), attempts: attempt };
    } catch (error) {
      if (!isRetriable(error) || attempt >= options.maxAttempts)
        return { outcome: 'failed', error, attempts: attempt };
      const delayMs = backoffDelay(attempt, options.backoff);
      options.onRetry?.(error, attempt, delayMs);
      if (!(await wait(delayMs, options.signal, options.heartbeat)))
        return { outcome: 'aborted', attempts: attempt };
    }
  }
}

/** Waits `ms`, heartbeating on the way; false when the signal fired first. */
async function wait(ms: number, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<boolean> {
  const until = Date.now() + ms;
  while (!signal.aborted) {
    const left = until - Date.now();
    if (left <= 0) return true;
    await sleep(Math.min(left, HEARTBEAT_EVERY_MS), signal);
    if (!signal.aborted) await heartbeat();
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
