import type { AuthUser } from '@support-center/service-kit';
import { canChangeStatus, isStaff } from '../domain/access';
import { breaches } from '../domain/sla';
import { allowedTransitions } from '../domain/state-machine';
import type { Comment, Ticket } from '../domain/ticket';
import type { TicketSummary } from '../store/tickets';

/** A list item as the API shows it. */
export function summaryView(ticket: TicketSummary) {
  return {
    id: ticket._id,
    number: ticket.number,
    title: ticket.title,
    description: ticket.description,
    category: ticket.category,
    priority: ticket.priority,
    status: ticket.status,
    requesterId: ticket.requesterId,
    assigneeId: ticket.assigneeId ?? null,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    statusChangedAt: ticket.statusChangedAt,
    solvedAt: ticket.solvedAt ?? null,
    closedAt: ticket.closedAt ?? null,
    responseDueAt: ticket.responseDueAt ?? null,
    resolutionDueAt: ticket.resolutionDueAt ?? null,
    firstRespondedAt: ticket.firstRespondedAt ?? null,
    slaBreached: breaches(ticket),
  };
}

export function commentView(comment: Comment) {
  return {
    id: comment.id,
    authorId: comment.authorId,
    body: comment.body,
    internal: comment.internal,
    createdAt: comment.createdAt,
  };
}

/**
 * A ticket as `user` may see it: employees get public comments only, and no trace of internal
 * notes in the history; `allowedTransitions` lists the status changes this user may make now.
 */
export function ticketView(ticket: Ticket, user: AuthUser) {
  const staff = isStaff(user);
  const deleted = new Set(ticket.deletedFileIds ?? []);
  return {
    ...summaryView(ticket),
    comments: (ticket.comments ?? []).filter((c) => staff || !c.internal).map(commentView),
    attachments: (ticket.attachments ?? [])
      .filter((a) => !deleted.has(a.fileId))
      .map(({ fileId, name, size, contentType, sha256, uploaderId, uploadedAt }) => ({
        fileId,
        name,
        size,
        contentType,
        sha256,
        uploaderId,
        uploadedAt,
      })),
    history: (ticket.history ?? [])
      .filter((h) => staff || h.changes.internal !== true)
      .map(({ at, actorId, action, changes }) => ({ at, actorId, action, changes })),
    allowedTransitions: allowedTransitions(ticket.status).filter((to) =>
      canChangeStatus(user, ticket.status, to),
    ),
  };
}
