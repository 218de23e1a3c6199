import net from 'node:net';
import {
  WaitForTimeoutError,
  comparePaired,
  formatComparison,
  freePort,
  percentileInterval,
  testNamespace,
  waitFor,
} from '../src';

describe('testNamespace', () => {
  it('gives every call its own database, topic, group and bucket names', () => {
    const a = testNamespace('Ticket service');
    const b = testNamespace('Ticket service');
    expect(a.id).not.toBe(b.id);
    expect(a.database('tickets')).toMatch(/^tickets_ticket_service_[0-9a-f]{8}$/);
    expect(a.topic('tickets')).toBe(`${a.topicPrefix}tickets`);
    expect(a.topic('tickets')).toMatch(/^[a-z0-9.-]+$/);
    expect(a.group('relay')).not.toBe(b.group('relay'));
    expect(a.bucket()).toMatch(/^[a-z0-9-]{3,63}$/);
  });
});

describe('comparePaired', () => {
  it('compares each round with the baseline round beside it, not the medians', () => {
    // The machine slows down during the run; the variant is 10 % slower in every pair.
    const baseline = [100, 80, 60, 40, 20];
    const variant = baseline.map((x) => x * 0.9);
    const comparison = comparePaired(variant, baseline);
    expect(comparison.median).toBeCloseTo(-0.1);
    expect(comparison.low).toBeCloseTo(-0.1);
    expect(comparison.high).toBeCloseTo(-0.1);
  });

  it('bounds the median by a 95 % interval from the order statistics', () => {
    // 30 pairs: the interval runs from the 10th to the 21st smallest ratio (P(X <= 9) = 2.1 %).
    const baseline = Array.from({ length: 30 }, () => 100);
    const variant = Array.from({ length: 30 }, (_, i) => 130 - i); // ratios +30 % … +1 %
    const comparison = comparePaired(variant, baseline);
    expect(comparison.median).toBeCloseTo(0.15);
    expect(comparison.low).toBeCloseTo(0.1);
    expect(comparison.high).toBeCloseTo(0.21);
    expect(formatComparison(comparison)).toBe('+15.0 % (+10.0 % … +21.0 %)');
  });

  it('narrows the interval as rounds are added', () => {
    const spread = (n: number) => {
      const { low, high } = comparePaired(
        Array.from({ length: n }, (_, i) => 100 + ((i * 37) % n) / n),
        Array.from({ length: n }, () => 100),
      );
      return high - low;
    };
    expect(spread(150)).toBeLessThan(spread(30) / 2);
  });

  it('gives the whole range when too few rounds pin nothing down', () => {
    const comparison = comparePaired([90, 100, 105, 110], [100, 100, 100, 100]);
    expect(comparison.low).toBeCloseTo(-0.1);
    expect(comparison.high).toBeCloseTo(0.1);
  });
});

describe('percentileInterval', () => {
  const samples = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7919) % n) + 1); // 1 … n, shuffled

  it('bounds a p99 by the order statistics that leave 2.5 % on each side', () => {
    // 1,000 samples 1 … 1,000: the number below the true p99 is Binomial(1000, 0.99), mean 990;
    // P(X <= 982) = 1.4 % but P(X <= 983) = 2.6 %; P(X >= 997) = 1.0 % but P(X >= 996) = 2.9 %.
    expect(percentileInterval(samples(1000), 99)).toEqual({ value: 990, low: 983, high: 997 });
  });

  it('is the median interval of comparePaired at p50', () => {
    const estimate = percentileInterval(samples(30), 50);
    expect(estimate).toEqual({ value: 15, low: 10, high: 21 });
  });

  it('leaves the top unbounded when too few samples can reach past the p99', () => {
    // 0.99^300 = 4.9 %: even the largest of 300 samples is below the true p99 that often.
    const estimate = percentileInterval(samples(300), 99);
    expect(estimate.value).toBe(297);
    expect(estimate.high).toBe(Number.POSITIVE_INFINITY);
    expect(estimate.low).toBeLessThan(297);
    expect(percentileInterval(samples(400), 99).high).toBe(400);
  });

  it('covers the true percentile in about 95 % of samplings', () => {
    // Uniform on [0, 1): the true p99 is 0.99. A fixed generator keeps the count deterministic.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t += 1) {
      const { low, high } = percentileInterval(Array.from({ length: 1000 }, random), 99);
      if (low <= 0.99 && 0.99 <= high) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.92);
    expect(covered / trials).toBeLessThan(0.995);
  });
});

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? calls : 0), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('times out naming the condition', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, message: 'never' })).rejects.toThrow(
      new WaitForTimeoutError('never', 30),
    );
  });

  it('ends at the first error unless told to ignore errors', async () => {
    await expect(
      waitFor(() => {
        throw new Error('exited');
      }),
    ).rejects.toThrow('exited');
    let calls = 0;
    await expect(
      waitFor(
        () => {
          if (++calls < 3) throw new Error('not yet');
          return 'ok';
        },
        { ignoreErrors: true, intervalMs: 1 },
      ),
    ).resolves.toBe('ok');
  });
});

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    expect(port).toBeGreaterThan(0);
    expect((server.address() as net.AddressInfo).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});
