import type { Instruments } from '@support-center/telemetry';
import { LRUCache } from 'lru-cache';

export interface ReadCacheOptions {
  /** The `cache` label of the cache families. */
  name: string;
  maxKeys: number;
  maxBytes: number;
  /** Bounds how stale an entry can be when another instance changed it. */
  ttlMs: number;
  metrics: Pick<
    Instruments,
    | 'cache_operations_total'
    | 'cache_operation_duration_seconds'
    | 'cache_hit_ratio'
    | 'cache_size_bytes'
    | 'cache_keys'
  >;
}

/** Taken before reading the source of truth; a `set` with a token older than an invalidation is dropped. */
export type ReadToken = number;

export interface ReadCache<V> {
  get(key: string): V | undefined;
  /** The token to pass to `set` for a value read from now on. */
  token(): ReadToken;
  /** Caches a value read since `token`, unless some key was invalidated meanwhile (it might be stale). */
  set(key: string, value: V, token: ReadToken): void;
  /** Forgets a key after its source changed. */
  delete(key: string): void;
  clear(): void;
  /** Stops reporting the gauges. */
  close(): void;
}

/**
 * An in-process LRU read cache reporting the cache families of the catalog: every operation is
 * counted and timed; the hit ratio (since start), the estimated bytes and the keys are observed.
 */
export function createReadCache<V extends object>(options: ReadCacheOptions): ReadCache<V> {
  const { name, metrics } = options;
  const lru = new LRUCache<string, V>({
    max: options.maxKeys,
    maxSize: options.maxBytes,
    ttl: options.ttlMs,
    // UTF-16 in memory: two bytes per character of the JSON form is a fair estimate.
    sizeCalculation: (value) => Math.max(1, JSON.stringify(value).length * 2),
  });
  let hits = 0;
  let misses = 0;
  let invalidations = 0;
  const labels = { cache: name };

  const record = (operation: 'get' | 'set' | 'delete', status: string, started: number) => {
    metrics.cache_operations_total.add(1, { cache: name, operation, status });
    metrics.cache_operation_duration_seconds.record((performance.now() - started) / 1000, {
      cache: name,
      operation,
    });
  };

  const observeRatio = (result: { observe(value: number, attributes: typeof labels): void }) => {
    if (hits + misses > 0) result.observe(hits / (hits + misses), labels);
  };
  const observeSize = (result: { observe(value: number, attributes: typeof labels): void }) =>
    result.observe(lru.calculatedSize, labels);
  const observeKeys = (result: { observe(value: number, attributes: typeof labels): void }) =>
    result.observe(lru.size, labels);
  metrics.cache_hit_ratio.addCallback(observeRatio);
  metrics.cache_size_bytes.addCallback(observeSize);
  metrics.cache_keys.addCallback(observeKeys);

  return {
    get(key) {
      const started = performance.now();
      const value = lru.get(key);
      if (value === undefined) misses += 1;
      else hits += 1;
      record('get', value === undefined ? 'miss' : 'hit', started);
      return value;
    },
    token: () => invalidations,
    set(key, value, token) {
      if (token !== invalidations) return;
      const started = performance.now();
      lru.set(key, value);
      record('set', 'success', started);
    },
    delete(key) {
      invalidations += 1;
      const started = performance.now();
      lru.delete(key);
      record('delete', 'success', started);
    },
    clear() {
      invalidations += 1;
      lru.clear();
    },
    close() {
      metrics.cache_hit_ratio.removeCallback(observeRatio);
      metrics.cache_size_bytes.removeCallback(observeSize);
      metrics.cache_keys.removeCallback(observeKeys);
    },
  };
}
