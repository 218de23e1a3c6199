import {
  applyOnce,
  type EventHandlers,
  type EventsLogger,
  type RevocationList,
} from '@support-center/events';
import type { ReadCache } from '../cache/read-cache';
import { canView } from '../domain/access';
import type { Ticket } from '../domain/ticket';
import type { Collections } from '../store/collections';

export interface HandlersOptions {
  collections: Collections;
  cache: ReadCache<Ticket>;
  logger: EventsLogger;
  /** Access-token revocations, stored from the `auth` topic's events. */
  revocations: Pick<RevocationList, 'handlers'>;
}

/**
 * The `auth` handlers: the local projection of users and roles that assignment checks against.
 * A snapshot older than the one stored is skipped, so a replay never rolls a user back.
 * It also stores the access-token revocations (ended sessions, deactivated users).
 */
export function authHandlers({ collections, revocations }: HandlersOptions): EventHandlers {
  const project = async (event: {
    id: string;
    time: string;
    data: {
      userId: string;
      username: string;
      displayName: string;
      role: 'employee' | 'agent' | 'admin';
      active: boolean;
    };
  }) => {
    const { userId, username, displayName, role, active } = event.data;
    const at = new Date(event.time);
    const newer = await collections.users.countDocuments(
      { _id: userId, updatedAt: { $gt: at } },
      { limit: 1 },
    );
    if (newer > 0) return 'duplicate' as const;
    return applyOnce(
      collections.users,
      { _id: userId },
      { $set: { username, displayName, role, active, updatedAt: at } },
      event.id,
    );
  };
  return {
    'user.created': project,
    'user.updated': async (event, context) => {
      await revocations.handlers['user.updated'](event, context);
      return project(event);
    },
    'session.revoked': revocations.handlers['session.revoked'],
  };
}

/**
 * Whether the uploader may attach files to the ticket, by the rule that lets a user see it: its
 * requester and assignee, and agents and admins (their role as the auth events said; a user not
 * heard of yet is taken for an employee).
 */
async function uploaderMayAttach(
  collections: Collections,
  uploaderId: string,
  ticket: Pick<Ticket, 'requesterId' | 'assigneeId'>,
): Promise<boolean> {
  if (ticket.assigneeId === uploaderId) return true;
  const user = await collections.users.findOne({ _id: uploaderId });
  return canView(
    { id: uploaderId, username: user?.username ?? uploaderId, role: user?.role ?? 'employee' },
    ticket,
  );
}

/**
 * The `files` handlers: attachments linked to their ticket, each event applied once (its id is
 * stored in the ticket with the change). A file of a ticket this service does not know is skipped;
 * so is a file whose uploader may not see the ticket (the file service checks this too; ticket
 * ids are predictable, so the ticket service does not take its word alone), counted as ignored.
 */
export function filesHandlers({ collections, cache, logger }: HandlersOptions): EventHandlers {
  const settle = (ticketId: string, outcome: 'applied' | 'duplicate' | 'missing') => {
    if (outcome === 'applied') cache.delete(ticketId);
    if (outcome === 'missing') logger.warn({ ticketId }, 'file event for an unknown ticket skipped');
    return outcome === 'missing' ? undefined : outcome;
  };
  return {
    'file.uploaded': async (event) => {
      const { fileId, ticketId, name, size, contentType, sha256, uploaderId } = event.data;
      const ticket = await collections.tickets.findOne(
        { _id: ticketId },
        { projection: { requesterId: 1, assigneeId: 1 } },
      );
      if (!ticket) return settle(ticketId, 'missing');
      if (!(await uploaderMayAttach(collections, uploaderId, ticket))) {
        logger.warn(
          { ticketId, fileId, uploaderId, eventId: event.id },
          'file of an uploader who may not see the ticket: not attached',
        );
        return 'ignored';
      }
      const at = new Date(event.time);
      const outcome = await applyOnce(
        collections.tickets,
        { _id: ticketId },
        {
          $set: { updatedAt: at },
          $inc: { version: 1 },
          $push: {
            attachments: { fileId, name, size, contentType, sha256, uploaderId, uploadedAt: at },
            history: { at, actorId: uploaderId, action: 'attachment_added', changes: { fileId, name } },
          },
        },
        event.id,
        { upsert: false },
      );
      return settle(ticketId, outcome);
    },
    'file.deleted': async (event) => {
      const { fileId, ticketId, deletedBy } = event.data;
      const at = new Date(event.time);
      const outcome = await applyOnce(
        collections.tickets,
        { _id: ticketId },
        {
          $set: { updatedAt: at },
          $inc: { version: 1 },
          $push: {
            deletedFileIds: fileId,
            history: { at, actorId: deletedBy, action: 'attachment_removed', changes: { fileId } },
          },
        },
        event.id,
        { upsert: false },
      );
      return settle(ticketId, outcome);
    },
  };
}
