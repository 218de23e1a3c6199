import { numberBatches } from '../src/store/number-batches';

/** A counter as the store keeps it: each take advances it by `count` after a write's delay. */
function counter() {
  let seq = 0;
  const takes: number[] = [];
  let failNext = false;
  const take = async (count: number) => {
    takes.push(count);
    await new Promise((resolve) => setImmediate(resolve));
    if (failNext) {
      failNext = false;
      throw new Error('engine gone');
    }
    seq += count;
    return seq;
  };
  return { take, takes, failOnce: () => (failNext = true) };
}

describe('ticket numbers taken in bursts', () => {
  it('gives 50 callers asking at once 50 consecutive numbers in their order, with two writes', async () => {
    const { take, takes } = counter();
    const next = numberBatches(take);

    const numbers = await Promise.all(Array.from({ length: 50 }, () => next()));

    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // The first caller writes at once; the 49 who asked meanwhile share the next write.
    expect(takes).toEqual([1, 49]);
  });

  it('writes once per number for callers that ask one after another', async () => {
    const { take, takes } = counter();
    const next = numberBatches(take);

    const numbers = [await next(), await next(), await next()];

    expect(numbers).toEqual([1, 2, 3]);
    expect(takes).toEqual([1, 1, 1]);
  });

  it('fails exactly the callers of a failed write, and the next ones continue without a gap', async () => {
    const { take, failOnce } = counter();
    const next = numberBatches(take);
    failOnce();

    const first = next();
    const queued = [next(), next()];
    await expect(first).rejects.toThrow('engine gone');

    await expect(Promise.all(queued)).resolves.toEqual([1, 2]);
    await expect(next()).resolves.toBe(3);
  });
});
