import { waitFor } from '@support-center/testing';
import { Kafka } from 'kafkajs';
import {
  backoffDelay,
  ConsumerConfigError,
  createEventConsumer,
  EventValidationError,
  isRetriable,
} from '../src';
import { runWithRetries } from '../src/consumer/retry';

const noHeartbeat = async () => {};

describe('consumer retries', () => {
  it('backs off exponentially with jitter, within [half, all] of the capped delay', () => {
    const backoff = { initialMs: 100, maxMs: 1_000 };
    for (const [attempt, ceiling] of [
      [1, 100],
      [2, 200],
      [4, 800],
      [5, 1_000],
      [30, 1_000],
    ] as const) {
      for (let i = 0; i < 20; i++) {
        const delay = backoffDelay(attempt, backoff);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('retries errors unless they say retrying cannot help', () => {
    expect(isRetriable(new Error('socket hang up'))).toBe(true);
    expect(isRetriable(new EventValidationError('bad data'))).toBe(false);
    expect(isRetriable(Object.assign(new Error('kafka'), { retriable: false }))).toBe(false);
  });

  it('stops after maxAttempts, or at the first non-retriable error', async () => {
    const options = {
      maxAttempts: 3,
      backoff: { initialMs: 1, maxMs: 2 },
      signal: new AbortController().signal,
    };
    let calls = 0;
    const failing = await runWithRetries(
      async () => {
        calls++;
        throw new Error('down');
      },
      { ...options, heartbeat: noHeartbeat },
    );
    expect({ outcome: failing.outcome, attempts: failing.attempts, calls }).toEqual({
      outcome: 'failed',
      attempts: 3,
      calls: 3,
    });
    const invalid = await runWithRetries(
      async () => {
        throw new EventValidationError('bad');
      },
      { ...options, heartbeat: noHeartbeat },
    );
    expect(invalid).toMatchObject({ outcome: 'failed', attempts: 1 });
  });

  it('heartbeats while it waits between attempts, and gives the wait up when the signal fires', async () => {
    const stopping = new AbortController();
    let heartbeats = 0;
    const result = runWithRetries(
      async () => {
        throw new Error('down');
      },
      {
        maxAttempts: 10,
        backoff: { initialMs: 60_000, maxMs: 60_000 },
        signal: stopping.signal,
        heartbeat: async () => void heartbeats++,
      },
    );
    // A wait of 30 s or more keeps the group membership alive: at least two heartbeats, one a second.
    await waitFor(() => heartbeats >= 2, { timeoutMs: 10_000, message: 'two heartbeats during the wait' });
    stopping.abort();
    expect(await result).toEqual({ outcome: 'aborted', attempts: 1 });
    const atAbort = heartbeats;
    await new Promise((resolve) => setImmediate(resolve));
    expect(heartbeats).toBe(atAbort);
  });

  it('gives up a wait at once when the signal fires, without a heartbeat after it', async () => {
    const stopping = new AbortController();
    let heartbeats = 0;
    const result = runWithRetries(
      async () => {
        throw new Error('down');
      },
      {
        maxAttempts: 10,
        backoff: { initialMs: 60_000, maxMs: 60_000 },
        signal: stopping.signal,
        heartbeat: async () => void heartbeats++,
      },
    );
    setImmediate(() => stopping.abort());
    // The wait is 30–60 s: only the signal can end it within the test's timeout.
    expect(await result).toEqual({ outcome: 'aborted', attempts: 1 });
    expect(heartbeats).toBe(0);
  });

  it('rejects bad options before connecting', () => {
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'] });
    const metrics = {} as Parameters<typeof createEventConsumer>[0]['metrics'];
    const base = { kafka, service: 'ticket', topic: 'auth', handlers: {}, metrics };
    expect(() => createEventConsumer({ ...base, maxAttempts: 0 })).toThrow(ConsumerConfigError);
    expect(() => createEventConsumer({ ...base, backoff: { initialMs: 10, maxMs: 5 } })).toThrow(/initialMs/);
    expect(() => createEventConsumer({ ...base, service: '' })).toThrow(ConsumerConfigError);
    // Below the broker's group.min.session.timeout.ms, every join would be refused.
    expect(() => createEventConsumer({ ...base, sessionTimeoutMs: 5999 })).toThrow(/sessionTimeoutMs/);
    expect(() => createEventConsumer({ ...base, sessionTimeoutMs: 10_000 })).not.toThrow();
  });
});
