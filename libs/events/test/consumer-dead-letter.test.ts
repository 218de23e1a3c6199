import { sampleValue, waitFor } from '@support-center/testing';
import { applyOnce, DLQ_HEADERS, EventsError } from '../src';
import { commented, consumerHarness, header } from './consumer-harness';

describe('event consumer dead letters', () => {
  const harness = consumerHarness('consumer dead letter');

  it('dead-letters a poison event after maxAttempts with its origin in headers, then carries on', async () => {
    const s = await harness.scenario('poison');
    const attempts = new Map<string, number>();
    const consumer = s.consumer({
      maxAttempts: 3,
      handlers: {
        'ticket.commented': async (event) => {
          attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
          if (event.data.body === 'poison') throw new Error('cannot apply this one');
          return applyOnce(
            s.collection,
            { _id: event.data.ticketId },
            { $push: { bodies: event.data.body } },
            event.id,
          );
        },
      },
    });
    await consumer.start();
    // Same aggregate, so the later events wait behind the poison one on its partition.
    const poison = commented('T-1', 'poison');
    await s.publish([
      commented('T-1', 'before'),
      poison,
      commented('T-1', 'after 1'),
      commented('T-1', 'after 2'),
    ]);

    await waitFor(async () => (await s.collection.findOne({ _id: 'T-1' }))?.bodies?.length === 3, {
      timeoutMs: 20_000,
      message: 'the events around the poison one applied',
    });
    expect(await s.collection.findOne({ _id: 'T-1' })).toMatchObject({
      bodies: ['before', 'after 1', 'after 2'],
    });
    expect(attempts.get(poison.id)).toBe(3);

    const [letter, ...more] = await s.deadLetters(1);
    expect(more).toEqual([]);
    expect(letter?.key?.toString()).toBe('T-1');
    expect(JSON.parse(letter?.value?.toString() ?? '')).toEqual(poison);
    const partition = Number(header(letter!, DLQ_HEADERS.partition));
    expect({
      error: header(letter!, DLQ_HEADERS.error),
      errorType: header(letter!, DLQ_HEADERS.errorType),
      topic: header(letter!, DLQ_HEADERS.topic),
      offset: header(letter!, DLQ_HEADERS.offset),
      group: header(letter!, DLQ_HEADERS.consumerGroup),
      attempts: header(letter!, DLQ_HEADERS.attempts),
      contentType: header(letter!, 'content-type'),
    }).toEqual({
      error: 'cannot apply this one',
      errorType: 'Error',
      topic: s.kafkaTopic,
      offset: '1',
      group: s.groupId,
      attempts: '3',
      contentType: 'application/cloudevents+json; charset=utf-8',
    });
    expect([0, 1, 2]).toContain(partition);

    // Everything settled is committed: four events, offsets 0–3.
    await waitFor(async () => (await s.committed()).get(partition) === '4', {
      timeoutMs: 10_000,
      message: 'the offset past the last event committed',
    });
    const metrics = await harness.scrape();
    const labels = { consumer_group: s.group, topic: 'tickets', event_type: 'ticket.commented' };
    expect(sampleValue(metrics, 'events_consumed_total', { ...labels, status: 'dead_lettered' })).toBe(1);
    expect(sampleValue(metrics, 'events_consumed_total', { ...labels, status: 'retried' })).toBe(2);
    expect(sampleValue(metrics, 'events_consumed_total', { ...labels, status: 'processed' })).toBe(3);
    expect(sampleValue(metrics, 'events_dead_lettered_total', labels)).toBe(1);
  });

  it('dead-letters at once, without retries, on an error that says retrying cannot help', async () => {
    const s = await harness.scenario('fatal');
    let calls = 0;
    const consumer = s.consumer({
      maxAttempts: 5,
      handlers: {
        'ticket.commented': async () => {
          calls++;
          throw new EventsError('references a ticket this service will never know', { retriable: false });
        },
      },
    });
    await consumer.start();
    await s.publish([commented('T-2')]);

    const [letter] = await s.deadLetters(1);
    expect(header(letter!, DLQ_HEADERS.errorType)).toBe('EventsError');
    expect(header(letter!, DLQ_HEADERS.attempts)).toBe('1');
    expect(calls).toBe(1);
  });

  it('dead-letters invalid messages (not JSON, bad data) at once, without calling a handler', async () => {
    const s = await harness.scenario('invalid');
    const handled: string[] = [];
    const consumer = s.consumer({
      maxAttempts: 5,
      handlers: { 'ticket.commented': async (event) => void handled.push(event.data.body) },
    });
    await consumer.start();
    const badData = { ...commented('T-3'), data: { ticketId: 'T-3', number: -1 } };
    await s.publishRaw('T-3', 'this is not JSON');
    await s.publishRaw('T-3', JSON.stringify(badData));
    await s.publish([commented('T-3', 'valid')]);

    await waitFor(() => handled.length === 1, { timeoutMs: 20_000, message: 'the valid event handled' });
    expect(handled).toEqual(['valid']);
    const letters = await s.deadLetters(2);
    expect(letters.map((l) => l.value?.toString())).toEqual(['this is not JSON', JSON.stringify(badData)]);
    for (const letter of letters) {
      expect(header(letter, DLQ_HEADERS.errorType)).toBe('EventValidationError');
      expect(header(letter, DLQ_HEADERS.attempts)).toBe('0');
    }
    expect(header(letters[0]!, DLQ_HEADERS.error)).toBe('message value is not JSON');
    expect(header(letters[1]!, DLQ_HEADERS.error)).toMatch(/^invalid ticket.commented data: /);

    const metrics = await harness.scrape();
    const labels = { consumer_group: s.group, topic: 'tickets' };
    expect(
      sampleValue(metrics, 'events_consumed_total', { ...labels, event_type: 'unknown', status: 'invalid' }),
    ).toBe(1);
    expect(
      sampleValue(metrics, 'events_consumed_total', {
        ...labels,
        event_type: 'ticket.commented',
        status: 'invalid',
      }),
    ).toBe(1);
    expect(sampleValue(metrics, 'events_dead_lettered_total', { ...labels, event_type: 'unknown' })).toBe(1);
    expect(
      sampleValue(metrics, 'events_consumed_total', {
        ...labels,
        event_type: 'ticket.commented',
        status: 'retried',
      }),
    ).toBeUndefined();
  });
});
