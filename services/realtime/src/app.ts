import type { Express } from 'express';
import { NotFoundError, parseInput, type JwtAuth } from '@support-center/service-kit';
import { chatHistoryQuery } from './api-schemas';
import { canJoinRoom } from './domain/access';
import type { MessageStore } from './store/messages';
import type { TicketProjection } from './store/tickets';
import { messageFrame } from './ws/chat-rooms';

export interface RoutesOptions {
  auth: Pick<JwtAuth, 'requireAuth'>;
  store: Pick<MessageStore, 'latest' | 'range'>;
  tickets: Pick<TicketProjection, 'get'>;
}

/**
 * `GET /api/v1/chat/:ticketId/messages?afterSeq=&limit=`: a room's messages for clients without a
 * socket (the latest `limit`, or the ones after `afterSeq`), with the same access rule as a join.
 */
export function chatRoutes({ auth, store, tickets }: RoutesOptions) {
  return (app: Express) => {
    app.get('/api/v1/chat/:ticketId/messages', auth.requireAuth(), async (req, res) => {
      const { afterSeq, limit } = parseInput(chatHistoryQuery, req.query, 'query');
      const ticketId = String(req.params.ticketId);
      const ticket = await tickets.get(ticketId);
      // Someone else's ticket answers as an unknown one does: no oracle for which ids exist.
      if (!ticket || !req.user || !canJoinRoom(req.user, ticket)) throw new NotFoundError('Ticket');
      const messages =
        afterSeq === undefined
          ? await store.latest(ticketId, limit)
          : await store.range(ticketId, afterSeq, undefined, limit);
      res.json({ items: messages.map(messageFrame) });
    });
  };
}
