import { waitFor } from '@support-center/testing';
import { applyOnce, type ApplyOutcome } from '../src';
import { commented, consumerHarness } from './consumer-harness';

describe('event consumer offsets and lag', () => {
  const harness = consumerHarness('consumer offsets');

  it('commits only after the effect: a consumer stopped mid-retry leaves the event to the next one, applied once', async () => {
    const s = await harness.scenario('restart');
    const apply = (event: ReturnType<typeof commented>) =>
      applyOnce(s.collection, { _id: event.data.ticketId }, { $inc: { comments: 1 } }, event.id);
    let attempts = 0;
    const first = s.consumer({
      maxAttempts: 1_000,
      handlers: {
        // Stores the effect, then fails before the offset can move: a crash right after the write.
        'ticket.commented': async (event) => {
          attempts++;
          await apply(event);
          throw new Error('connection reset');
        },
      },
    });
    await first.start();
    const event = commented('T-1');
    await s.publish([event]);
    await waitFor(() => attempts >= 2, { timeoutMs: 20_000, message: 'the handler retrying' });
    await first.stop();
    expect([...(await s.committed()).values()]).toEqual(['-1', '-1', '-1']);

    const outcomes: (ApplyOutcome | void)[] = [];
    const second = s.consumer({
      handlers: { 'ticket.commented': async (e) => void outcomes.push(await apply(e)) },
    });
    await second.start();
    await waitFor(() => outcomes.length === 1, { timeoutMs: 20_000, message: 'the event redelivered' });
    expect(outcomes).toEqual(['duplicate']);
    expect(await s.collection.findOne({ _id: 'T-1' })).toMatchObject({ comments: 1, _events: [event.id] });
    await waitFor(async () => [...(await s.committed()).values()].includes('1'), {
      timeoutMs: 10_000,
      message: 'the offset committed after the event settled',
    });
  });

  it('commits what settled within a second while the topic is idle, and all of it on a stop', async () => {
    const s = await harness.scenario('commits');
    const handled: string[] = [];
    const total = (offsets: Map<number, string>) =>
      [...offsets.values()].reduce((sum, offset) => sum + Math.max(0, Number(offset)), 0);

    const idle = s.consumer({ handlers: { 'ticket.commented': async (e) => void handled.push(e.id) } });
    await idle.start();
    await s.publish(Array.from({ length: 6 }, (_, i) => commented(`T-idle-${i}`)));
    await waitFor(() => handled.length === 6, { timeoutMs: 20_000, message: 'six events handled' });
    await waitFor(async () => total(await s.committed()) === 6, {
      timeoutMs: 10_000,
      message: 'the six offsets committed with no further message',
    });
    await idle.stop();

    // Stopped right after handling, before the background commit is due.
    const stopping = s.consumer({ handlers: { 'ticket.commented': async (e) => void handled.push(e.id) } });
    await stopping.start();
    await s.publish(Array.from({ length: 6 }, (_, i) => commented(`T-stop-${i}`)));
    await waitFor(() => handled.length === 12, { timeoutMs: 20_000, message: 'six more events handled' });
    await stopping.stop();
    expect(total(await s.committed())).toBe(12);
  });

  it('reports the lag per partition: it rises while the consumer is held up and falls to 0 once it catches up', async () => {
    const s = await harness.scenario('lag');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const consumer = s.consumer({
      lagIntervalMs: 100,
      handlers: { 'ticket.commented': () => held },
    });
    await consumer.start();

    const lag = async () => {
      const family = (await harness.scrape()).get('kafka_consumer_lag');
      const samples = family?.samples.filter((x) => x.labels.consumer_group === s.group) ?? [];
      return {
        partitions: samples.map((x) => x.labels.partition).sort(),
        total: samples.reduce((n, x) => n + x.value, 0),
      };
    };
    await waitFor(async () => (await lag()).partitions.length === 3, {
      timeoutMs: 10_000,
      message: 'lag reported',
    });

    const events = Array.from({ length: 12 }, (_, i) => commented(`T-lag-${i % 4}`));
    await s.publish(events);
    await waitFor(async () => (await lag()).total === 12, { timeoutMs: 20_000, message: 'the lag at 12' });
    expect((await lag()).partitions).toEqual(['0', '1', '2']);

    release();
    await waitFor(async () => (await lag()).total === 0, { timeoutMs: 20_000, message: 'the lag back to 0' });
  });
});
