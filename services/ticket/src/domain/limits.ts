import { AppError } from '@support-center/service-kit';
import type { Ticket } from './ticket';

/**
 * How large one ticket may grow. A ticket is one document (comments, attachments and history
 * embedded), and every change reads and rewrites it whole: without a bound, each comment costs
 * more than the last, and the document ends at MongoDB's 16 MiB limit with a 500.
 */
export interface TicketLimits {
  /** Comments, public and internal, on one ticket. */
  maxComments: number;
  /** BSON size a change may bring the stored ticket to. */
  maxDocumentBytes: number;
}

/** 409 once the ticket holds `maxComments`: the conversation continues in a follow-up ticket. */
export function assertRoomForComment(ticket: Ticket, { maxComments }: TicketLimits): void {
  if (ticket.comments.length < maxComments) return;
  throw new AppError('CONFLICT', {
    message: `The ticket has reached its limit of ${maxComments} comments; continue in a follow-up ticket`,
    details: { reason: 'COMMENT_LIMIT_REACHED', limit: maxComments },
  });
}

/** 409 when a change would bring the stored ticket beyond `maxDocumentBytes`. */
export function assertWithinSize(bytes: number, { maxDocumentBytes }: TicketLimits): void {
  if (bytes <= maxDocumentBytes) return;
  throw new AppError('CONFLICT', {
    message: `The ticket has reached its size limit of ${maxDocumentBytes} bytes; solve or close it and continue in a follow-up ticket`,
    details: { reason: 'TICKET_SIZE_LIMIT_REACHED', limit: maxDocumentBytes },
  });
}
