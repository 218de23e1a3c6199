import { z } from 'zod';

const ticketId = z.string().min(1).max(128);

/** What a `/chat` client may send (docs/architecture.md, "API shapes"), plus `leave`. */
export const chatFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), ticketId }),
  z.object({ type: z.literal('leave'), ticketId }),
  z.object({ type: z.literal('message'), ticketId, body: z.string() }),
  z.object({ type: z.literal('resync'), ticketId, afterSeq: z.number().int().nonnegative() }),
]);
export type ChatFrame = z.infer<typeof chatFrame>;

/** Codes of `{type: "error", code, message}` frames. */
export const ERROR_CODES = {
  INVALID_FRAME: 'The frame is not valid JSON or not a known frame',
  FRAME_TOO_LARGE: 'The frame is larger than the server accepts',
  MESSAGE_TOO_LARGE: 'The message body is too long',
  RATE_LIMITED: 'Too many messages; slow down',
  NOT_FOUND: 'No such ticket (or not one you may see)',
  NOT_JOINED: 'Join the ticket room first',
  TOO_MANY_ROOMS: 'This connection has joined too many rooms',
  UNAVAILABLE: 'The server could not do this now; try again',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** The room the error is about, when there is one. */
  ticketId?: string;
}

export function errorFrame(code: ErrorCode, extra: Partial<ErrorFrame> = {}, message?: string): ErrorFrame {
  return { type: 'error', code, message: message ?? ERROR_CODES[code], ...extra };
}
