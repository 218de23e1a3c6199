import { z } from 'zod';
import type { NotificationView } from './store/notifications';
import type { messageFrame } from './ws/chat-rooms';

/**
 * The shapes of the REST API: the chat history's query is checked with these, the answers are
 * typed by them (`satisfies` below), and the OpenAPI document is generated from them.
 */

export const chatHistoryQuery = z.object({
  afterSeq: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Only messages after this sequence number'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** A chat message, as `GET /api/v1/chat/:ticketId/messages` and the `/chat` socket send it. */
export const chatMessage = z.object({
  type: z.literal('message'),
  ticketId: z.string(),
  seq: z.number().int().positive().describe('The per-room sequence number, without holes'),
  id: z.string(),
  authorId: z.string(),
  body: z.string(),
  at: z.iso.datetime(),
}) satisfies z.ZodType<ReturnType<typeof messageFrame>>;

export const chatHistory = z.object({ items: z.array(chatMessage) });

export const notificationView = z.object({
  id: z.string().describe('`<time>-<event id>`; the order of the list'),
  event: z.string().describe('The event type, e.g. ticket.assigned'),
  data: z.unknown(),
  at: z.iso.datetime(),
  read: z.boolean(),
}) satisfies z.ZodType<NotificationView>;

export const notificationPage = z.object({
  items: z.array(notificationView),
  nextCursor: z.string().nullable(),
  unreadCount: z.number().int().nonnegative(),
});

export const markedAllRead = z.object({
  marked: z.number().int().nonnegative().describe('How many notifications were unread'),
});
