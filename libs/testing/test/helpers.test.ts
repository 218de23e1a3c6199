import net from 'node:net';
import {
  WaitForTimeoutError,
  comparePaired,
  formatComparison,
  freePort,
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
