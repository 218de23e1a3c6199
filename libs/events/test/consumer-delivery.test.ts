import { keepTraceContext, sampleValue, waitFor } from '@support-center/testing';
import { trace, context as otelContext } from '@opentelemetry/api';
import { applyOnce, CONSUME_STATUS, type HandlerContext } from '../src';
import { commented, consumerHarness } from './consumer-harness';

describe('event consumer delivery', () => {
  const harness = consumerHarness('consumer delivery');

  it('applies an event delivered twice once, and counts the second delivery as a duplicate', async () => {
    const s = await harness.scenario('dup');
    const consumer = s.consumer({
      handlers: {
        'ticket.commented': (event) =>
          applyOnce(s.collection, { _id: event.data.ticketId }, { $inc: { comments: 1 } }, event.id),
      },
    });
    await consumer.start();
    const event = commented('T-1');
    await s.publish([event]);
    await s.publish([event]);

    const labels = { consumer_group: s.group, topic: 'tickets', event_type: 'ticket.commented' };
    await waitFor(
      async () =>
        sampleValue(await harness.scrape(), 'events_consumed_total', { ...labels, status: 'duplicate' }) ===
        1,
      { timeoutMs: 20_000, message: 'the redelivery counted as a duplicate' },
    );
    expect(await s.collection.findOne({ _id: 'T-1' })).toMatchObject({
      comments: 1,
      _events: [event.id],
    });
    const metrics = await harness.scrape();
    expect(sampleValue(metrics, 'events_consumed_total', { ...labels, status: 'processed' })).toBe(1);
    expect(sampleValue(metrics, 'event_processing_duration_seconds_count', labels)).toBe(2);
  });

  it('retries a transient failure with backoff, applies it once and counts the retries', async () => {
    const s = await harness.scenario('transient');
    const attempts: number[] = [];
    const consumer = s.consumer({
      maxAttempts: 5,
      handlers: {
        'ticket.commented': async (event, { attempt }) => {
          attempts.push(attempt);
          if (attempt < 3) throw new Error('database briefly away');
          return applyOnce(s.collection, { _id: event.data.ticketId }, { $inc: { comments: 1 } }, event.id);
        },
      },
    });
    await consumer.start();
    await s.publish([commented('T-2')]);

    const labels = { consumer_group: s.group, topic: 'tickets', event_type: 'ticket.commented' };
    await waitFor(
      async () =>
        sampleValue(await harness.scrape(), 'events_consumed_total', { ...labels, status: 'processed' }) ===
        1,
      { timeoutMs: 20_000, message: 'the event processed' },
    );
    expect(attempts).toEqual([1, 2, 3]);
    expect(await s.collection.findOne({ _id: 'T-2' })).toMatchObject({ comments: 1 });
    const metrics = await harness.scrape();
    expect(sampleValue(metrics, 'events_consumed_total', { ...labels, status: 'retried' })).toBe(2);
    expect(
      sampleValue(metrics, 'events_consumed_total', { ...labels, status: 'dead_lettered' }),
    ).toBeUndefined();
  });

  it('keeps per-aggregate order for many events over several aggregates and partitions', async () => {
    const s = await harness.scenario('order');
    const aggregates = ['A', 'B', 'C', 'D', 'E', 'F'].map((a) => `T-order-${a}`);
    const perAggregate = 25;
    const partitions = new Map<string, Set<number>>();
    const consumer = s.consumer({
      partitionsConsumedConcurrently: 3,
      handlers: {
        'ticket.commented': async (event, { partition }: HandlerContext) => {
          partitions.set(
            event.data.ticketId,
            (partitions.get(event.data.ticketId) ?? new Set()).add(partition),
          );
          return applyOnce(
            s.collection,
            { _id: event.data.ticketId },
            { $push: { bodies: event.data.body } },
            event.id,
          );
        },
      },
    });
    // Interleaved, as several writers would publish them.
    const events = Array.from({ length: perAggregate }, (_, i) =>
      aggregates.map((a) => commented(a, String(i))),
    ).flat();
    for (let i = 0; i < events.length; i += 30) await s.publish(events.slice(i, i + 30));
    await consumer.start();

    await waitFor(
      async () =>
        (await s.collection.countDocuments({ bodies: { $size: perAggregate } })) === aggregates.length,
      { timeoutMs: 60_000, message: 'every event applied' },
    );
    const expected = Array.from({ length: perAggregate }, (_, i) => String(i));
    for (const id of aggregates) {
      expect(await s.collection.findOne({ _id: id })).toMatchObject({ bodies: expected });
      expect(partitions.get(id)?.size).toBe(1);
    }
    const used = new Set([...partitions.values()].flatMap((p) => [...p]));
    expect(used.size).toBeGreaterThan(1);
  });

  it('skips an event type it has no handler for, and acknowledges it', async () => {
    const s = await harness.scenario('ignore');
    const seen: string[] = [];
    const consumer = s.consumer({
      handlers: { 'ticket.solved': async (event) => void seen.push(event.id) },
    });
    await consumer.start();
    await s.publish([commented('T-3')]);

    const labels = { consumer_group: s.group, topic: 'tickets', event_type: 'ticket.commented' };
    await waitFor(
      async () =>
        sampleValue(await harness.scrape(), 'events_consumed_total', { ...labels, status: 'ignored' }) === 1,
      { timeoutMs: 20_000, message: 'the event ignored' },
    );
    await waitFor(async () => [...(await s.committed()).values()].some((offset) => offset === '1'), {
      timeoutMs: 10_000,
      message: 'the skipped event committed',
    });
    expect(seen).toEqual([]);
    expect(Object.values(CONSUME_STATUS)).toContain('ignored');
  });

  it('runs the handler in the trace context carried by the traceparent header', async () => {
    const s = await harness.scenario('trace');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const seen: (string | undefined)[] = [];
    const consumer = s.consumer({
      handlers: {
        'ticket.commented': async () => void seen.push(trace.getSpanContext(otelContext.active())?.traceId),
      },
    });
    // As in a service that exports traces; without, no trace context is kept.
    const stopKeepingTraceContext = keepTraceContext();
    try {
      await consumer.start();
      await s.publish([commented('T-4')], { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      await waitFor(() => seen.length === 1, { timeoutMs: 20_000, message: 'the event handled' });
    } finally {
      stopKeepingTraceContext();
    }
    expect(seen).toEqual([traceId]);
  });
});
