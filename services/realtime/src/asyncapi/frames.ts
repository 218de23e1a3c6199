import { z } from 'zod';
import { chatMessage } from '../api-schemas';
import { chatFrame } from '../ws/frames';
import { ERROR_CODES, type ErrorFrame } from '../ws/frames';
import type { NotificationFrame, UnreadFrame } from '../ws/notifications';

/**
 * The frames the server sends, as zod schemas for the AsyncAPI document. The code builds these
 * frames as plain objects; `satisfies` ties each schema to the type the code sends, so a frame
 * that changes shape breaks the build here instead of drifting from the document.
 */

const ticketId = z.string().describe('The ticket, which is also the chat room');

/** `{type: "history"}`: a room's latest messages after a join, or the ones missed after a resync. */
export const historyFrame = z.object({
  type: z.literal('history'),
  ticketId,
  afterSeq: z.number().int().nonnegative().optional().describe('Present when answering a resync'),
  messages: z.array(chatMessage).describe('Oldest first'),
});

export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  message: z.string(),
  ticketId: z.string().optional().describe('The room the error is about, when there is one'),
}) satisfies z.ZodType<ErrorFrame>;

export const notificationFrame = z.object({
  type: z.literal('notification'),
  id: z.string().describe('The notification in the history (`POST /api/v1/notifications/{id}/read`)'),
  event: z.string().describe('The event type, e.g. ticket.assigned'),
  data: z.unknown().describe("The event's data, as on its Kafka topic"),
  at: z.iso.datetime().describe('When the event happened'),
  text: z
    .string()
    .optional()
    .describe('A line to show, on service-level events (ticket.sla_warning, ticket.sla_breached)'),
}) satisfies z.ZodType<NotificationFrame>;

export const unreadFrame = z.object({
  type: z.literal('unread'),
  count: z.number().int().nonnegative().describe("The user's unread notifications"),
}) satisfies z.ZodType<UnreadFrame>;

/** What a `/chat` client sends, one schema per frame type. */
export const CHAT_CLIENT_FRAMES = chatFrame.options;

/** What the server sends on `/chat`. */
export const CHAT_SERVER_FRAMES = [historyFrame, chatMessage, errorFrameSchema] as const;

/** What the server sends on `/ws/notifications` (it accepts no frame; any is answered with an error). */
export const NOTIFICATION_SERVER_FRAMES = [unreadFrame, notificationFrame, errorFrameSchema] as const;

/** The `type` of a frame schema. */
export function frameType(schema: z.ZodObject<{ type: z.ZodLiteral<string> }>): string {
  return schema.shape.type.value;
}
