import net from 'node:net';
import { WaitForTimeoutError, freePort, testNamespace, waitFor } from '../src';

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
    await new Promise((resolve) => server.close(resolve));
  });
});
