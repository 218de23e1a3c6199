import { metricGuard } from '../src';

/** An instrument whose recordings throw, as one refusing a label would. */
const broken = () => ({
  add: (..._args: unknown[]): void => {
    throw new Error('refused');
  },
  record: (..._args: unknown[]): void => {
    throw new Error('refused');
  },
});

describe('metricGuard: metrics must not break the request', () => {
  it('reports a failed recording and returns, where the bare call would throw', () => {
    const failures: unknown[] = [];
    const guard = metricGuard((error) => failures.push(error));
    const instrument = broken();

    expect(() => instrument.add()).toThrow('refused');
    expect(() => guard(() => instrument.add())).not.toThrow();
    expect(() => guard.wrap((n: number) => instrument.record(n))(3)).not.toThrow();
    expect(failures.map((e) => (e as Error).message)).toEqual(['refused', 'refused']);
  });

  it('guards every add and record of a set of instruments, and passes working calls through', () => {
    const failures: unknown[] = [];
    const seen: unknown[][] = [];
    const counter = {
      name: 'requests_total',
      add(this: unknown, ...args: unknown[]) {
        seen.push([this === counter, ...args]);
      },
    };
    const metrics = metricGuard((error) => failures.push(error)).instruments({
      requests_total: counter,
      errors_total: broken(),
      latency_seconds: broken(),
    });

    metrics.requests_total.add(1, { route: '/x' });
    expect(() => metrics.errors_total.add()).not.toThrow();
    expect(() => metrics.latency_seconds.record()).not.toThrow();
    expect(seen).toEqual([[true, 1, { route: '/x' }]]);
    expect(metrics.requests_total.name).toBe('requests_total');
    expect(failures).toHaveLength(2);
  });
});
