import type { Logger } from './logger';

/**
 * Metrics must not break the request: a recording that throws (a label the SDK refuses, an
 * exporter bug) is reported to `onError` and dropped, and the request, frame or event goes on.
 * One guard per module; every service records its business metrics through one.
 */
export interface MetricGuard {
  /** Runs one recording. */
  (record: () => void): void;
  /** A recorder whose every call is guarded. */
  wrap<A extends unknown[]>(record: (...args: A) => void): (...args: A) => void;
  /**
   * The same instruments, each method guarded (`add`, `record`): for modules that record in many
   * places, so no call site can forget the guard. Built once; the instruments are not copied.
   */
  instruments<T extends object>(instruments: T): T;
}

export function metricGuard(onError: (error: unknown) => void): MetricGuard {
  const wrap =
    <A extends unknown[]>(record: (...args: A) => void) =>
    (...args: A): void => {
      try {
        record(...args);
      } catch (error) {
        onError(error);
      }
    };
  const guard = ((record: () => void) => wrap(record)()) as MetricGuard;
  guard.wrap = wrap;
  guard.instruments = <T extends object>(instruments: T): T => {
    const guarded: Record<PropertyKey, unknown> = {};
    for (const [name, instrument] of Object.entries(instruments)) {
      guarded[name] =
        typeof instrument === 'object' && instrument !== null ? guardMethods(instrument, wrap) : instrument;
    }
    return guarded as T;
  };
  return guard;
}

/** A guard that logs each failure at warn, naming what was being recorded. */
export function loggedMetricGuard(logger: Pick<Logger, 'warn'> | undefined, what: string): MetricGuard {
  return metricGuard((error) => logger?.warn({ err: error }, `recording ${what} metrics failed`));
}

function guardMethods(instrument: object, wrap: MetricGuard['wrap']): object {
  // The instrument stays the prototype: anything not a method (a name, a description) reads through.
  const guarded = Object.create(instrument) as Record<string, unknown>;
  for (const method of ['add', 'record'] as const) {
    const original = (instrument as Record<string, unknown>)[method];
    if (typeof original === 'function')
      guarded[method] = wrap((...args: unknown[]) =>
        (original as (...a: unknown[]) => void).apply(instrument, args),
      );
  }
  return guarded;
}
