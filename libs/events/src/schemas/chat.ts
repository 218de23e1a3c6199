import { z } from 'zod';

/** Events of the `chat` topic, keyed by room (the ticket id), so a room's messages stay in order. */
export const chatEvents = {
  'chat.message_posted': {
    version: 1,
    data: z.object({
      messageId: z.string().min(1),
      ticketId: z.string().min(1),
      seq: z.number().int().positive(),
      authorId: z.string().min(1),
      body: z.string().min(1),
      at: z.iso.datetime(),
    }),
  },
} as const;
