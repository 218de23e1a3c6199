import type { Consumer } from 'kafkajs';
import { OffsetCommits } from '../src/consumer/offset-commits';

type Commit = Parameters<Consumer['commitOffsets']>[0];

/** A consumer whose commits are recorded, and fail while `failing` is set. */
function recordingConsumer() {
  const commits: Commit[] = [];
  const state = { failing: false };
  const consumer: Pick<Consumer, 'commitOffsets'> = {
    commitOffsets: async (offsets) => {
      if (state.failing) throw new Error('the coordinator is away');
      commits.push(offsets);
    },
  };
  return { consumer, commits, state };
}

describe('OffsetCommits', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('commits the settled offsets once per interval, not once per message', async () => {
    const { consumer, commits } = recordingConsumer();
    const offsets = new OffsetCommits(consumer, 'tickets', 1_000, () => undefined);
    for (let offset = 0; offset < 50; offset++) offsets.settle(offset % 2, String(offset));
    expect(commits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(commits).toEqual([
      [
        { topic: 'tickets', partition: 0, offset: '49' },
        { topic: 'tickets', partition: 1, offset: '50' },
      ],
    ]);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(commits).toHaveLength(1);
  });

  it('keeps a failed commit for the next one, unless a later offset settled meanwhile', async () => {
    const { consumer, commits, state } = recordingConsumer();
    const errors: unknown[] = [];
    const offsets = new OffsetCommits(consumer, 'tickets', 1_000, (error) => errors.push(error));
    offsets.settle(0, '4');
    offsets.settle(1, '7');
    state.failing = true;
    await offsets.flush();
    expect(errors).toHaveLength(1);
    offsets.settle(1, '9');
    state.failing = false;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(commits).toEqual([
      [
        { topic: 'tickets', partition: 0, offset: '5' },
        { topic: 'tickets', partition: 1, offset: '10' },
      ],
    ]);
  });

  it('forgets partitions the member no longer holds, and commits nothing after a stop', async () => {
    const { consumer, commits } = recordingConsumer();
    const offsets = new OffsetCommits(consumer, 'tickets', 1_000, () => undefined);
    offsets.settle(0, '1');
    offsets.settle(2, '3');
    offsets.retain([0, 1]);
    await offsets.flush();
    expect(commits).toEqual([[{ topic: 'tickets', partition: 0, offset: '2' }]]);
    offsets.settle(1, '5');
    offsets.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(commits).toHaveLength(1);
  });

  it('does not try again after a stop when the commit on its way fails', async () => {
    const { consumer, state } = recordingConsumer();
    const errors: unknown[] = [];
    const offsets = new OffsetCommits(consumer, 'tickets', 1_000, (error) => errors.push(error));
    offsets.settle(0, '1');
    state.failing = true;
    const last = offsets.flush();
    offsets.stop();
    await last;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(errors).toHaveLength(1);
  });
});
