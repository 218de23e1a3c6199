import fc from 'fast-check';
import { parseOptions, UsageError } from '../src/options';
import { enqueue, isDue, takeDue, type Queued } from '../src/slow-agents';

interface Ticket extends Queued {
  id: number;
}

describe('slow agents', () => {
  it('are off by default and parse --slow-agents and --slow-delay', () => {
    const env = { DEMO_PASSWORD: 'x' };
    expect(parseOptions([], env).slowAgents).toEqual({ share: 0, maxDelayMs: 60_000 });
    expect(parseOptions(['--slow-agents', '0.3', '--slow-delay', '90'], env).slowAgents).toEqual({
      share: 0.3,
      maxDelayMs: 90_000,
    });
    for (const bad of [
      ['--slow-agents', '1.5'],
      ['--slow-agents=-0.1'],
      ['--slow-agents', 'x'],
      ['--slow-delay', '0'],
    ])
      expect(() => parseOptions(bad, env)).toThrow(UsageError);
  });

  it('delay about the given share of tickets, each by at most the longest wait', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 2,
          maxLength: 200,
        }),
        (share, maxDelayMs, rolls) => {
          const now = 1_000_000;
          const queue: Ticket[] = [];
          let next = 0;
          const random = () => rolls[next++ % rolls.length] as number;
          for (let id = 0; id < 50; id += 1) enqueue(queue, { id }, { share, maxDelayMs }, now, random);
          for (const ticket of queue) {
            if (ticket.notBefore === undefined) continue;
            expect(ticket.notBefore).toBeGreaterThanOrEqual(now);
            expect(ticket.notBefore).toBeLessThan(now + maxDelayMs + 1);
          }
          if (share === 0) expect(queue.every((ticket) => ticket.notBefore === undefined)).toBe(true);
          // Every ticket is due once the longest wait has passed.
          expect(queue.every((ticket) => isDue(ticket, now + maxDelayMs + 1))).toBe(true);
        },
      ),
    );
  });

  it('leave a late ticket in the queue and hand out the oldest due one', () => {
    const queue: Ticket[] = [];
    const rolls = [0.1, 0.5, 0.9]; // late (waits half the longest wait), then on time
    const random = () => rolls.shift() as number;
    const slow = { share: 0.3, maxDelayMs: 10_000 };
    enqueue(queue, { id: 1 }, slow, 0, random);
    enqueue(queue, { id: 2 }, slow, 0, random);
    expect(queue.map((t) => [t.id, t.notBefore])).toEqual([
      [1, 5_000],
      [2, undefined],
    ]);
    expect(takeDue(queue, 4_999)?.id).toBe(2);
    expect(takeDue(queue, 4_999)).toBeUndefined();
    expect(takeDue(queue, 5_000)?.id).toBe(1);
    expect(queue).toEqual([]);
  });

  it('put a ticket back on time when it enters the next queue on time', () => {
    const queue: Ticket[] = [];
    enqueue(queue, { id: 1, notBefore: 5 }, { share: 0, maxDelayMs: 10 }, 0);
    expect(queue[0]?.notBefore).toBeUndefined();
  });
});
