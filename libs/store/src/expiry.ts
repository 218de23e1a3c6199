/** Any collection or mongoose model: both have this method. */
export interface DeletableCollection {
  deleteMany(filter: Record<string, unknown>): PromiseLike<{ deletedCount?: number }>;
}

export interface ExpirySweeperOptions {
  collection: DeletableCollection;
  /** Date field holding the expiry instant (default `expiresAt`). */
  field?: string;
  /** How often expired documents are deleted (default one minute). */
  intervalMs?: number;
  now?: () => Date;
  /** Called with a failed sweep's error; the sweeper keeps going (default: ignore). */
  onError?: (error: unknown) => void;
  /** Called after each sweep with the number of documents deleted. */
  onSweep?: (deleted: number) => void;
}

export interface ExpirySweeper {
  /** Deletes what has expired now; resolves with how many documents went. */
  sweepOnce(): Promise<number>;
  stop(): void;
}

/**
 * Filter for documents still valid at `now`. Reads must use it: between two sweeps an
 * expired document is still stored, and it must already count as gone.
 */
export function notExpired(now: Date = new Date(), field = 'expiresAt'): Record<string, unknown> {
  return { [field]: { $gt: now } };
}

/**
 * Periodic deletion of expired documents. TTL indexes are outside the subset FerretDB
 * 1.24 supports, so expiry is the service's job (docs/architecture.md, "MongoDB subset"). The
 * timer is unref'd: it never keeps a process alive, and a sweep never overlaps another.
 */
export function startExpirySweeper(options: ExpirySweeperOptions): ExpirySweeper {
  const { collection, field = 'expiresAt', intervalMs = 60_000, now = () => new Date() } = options;
  let running: Promise<number> | undefined;

  const sweepOnce = (): Promise<number> =>
    (running ??= Promise.resolve(collection.deleteMany({ [field]: { $lte: now() } }))
      .then((result) => {
        const deleted = result.deletedCount ?? 0;
        options.onSweep?.(deleted);
        return deleted;
      })
      .finally(() => (running = undefined)));

  const timer = setInterval(() => {
    sweepOnce().catch((error: unknown) => options.onError?.(error));
  }, intervalMs);
  timer.unref();

  return { sweepOnce, stop: () => clearInterval(timer) };
}
