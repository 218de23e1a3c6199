import { ChatRooms } from '../../src/ws/chat-rooms';
import type { Client } from '../../src/ws/client';
import type { ChatMessage } from '../../src/store/messages';

function message(seq: number): ChatMessage {
  return {
    id: `m${seq}`,
    ticketId: 't',
    seq,
    authorId: 'a',
    body: `b${seq}`,
    at: '2026-01-01T00:00:00.000Z',
  };
}

function fakeClient() {
  const seqs: number[] = [];
  const client = {
    ws: { readyState: 1 },
    rooms: new Set<string>(),
    sendRaw: (_type: string, payload: string) => {
      seqs.push((JSON.parse(payload) as { seq: number }).seq);
      return true;
    },
  } as unknown as Client;
  return { client, seqs };
}

describe('ChatRooms', () => {
  it('delivers in sequence order: repeats dropped, gaps filled from the store', async () => {
    const stored = [1, 2, 3, 4, 5, 6].map(message);
    const rooms = new ChatRooms({
      store: {
        latest: async () => stored.slice(0, 1),
        range: async (_t, after, before) =>
          stored.filter((m) => m.seq > after && (before === undefined || m.seq < before)),
      },
      historyLimit: 10,
      onError: (error) => {
        throw error;
      },
    });
    const { client, seqs } = fakeClient();
    expect((await rooms.join(client, 't')).map((m) => m.seq)).toEqual([1]);
    await Promise.all([4, 2, 2, 3, 1, 6].map((seq) => rooms.deliver(message(seq))));
    expect(seqs).toEqual([2, 3, 4, 5, 6]);
  });
});
