export interface BackoffOptions {
  /** First delay after a failure. */
  initialMs: number;
  /** Longest delay, reached by doubling. */
  maxMs: number;
}

/** Exponential backoff with jitter, so relays of several instances do not retry in step. */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt, after one more failure. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.failures);
    this.failures += 1;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.failures = 0;
  }
}
