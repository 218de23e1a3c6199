import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError, type AuthUser } from '@support-center/service-kit';
import { canAttach } from '../domain/access';
import type { TicketAccessProjection } from '../store/tickets';

/** How often the projection is looked at again while a ticket's first event is awaited. */
const POLL_INTERVAL_MS = 100;

export interface TicketGateOptions {
  tickets: Pick<TicketAccessProjection, 'requesterOf'>;
  /** How long a ticket missing from the projection is waited for before the answer is 404. */
  unknownTicketWaitMs: number;
}

/** Resolves when `user` may attach files to the ticket; throws 404 otherwise. */
export type TicketGate = (user: AuthUser, ticketId: string, signal: AbortSignal) => Promise<void>;

/**
 * Admits uploads to tickets the user may attach to. A frontend uploads right after creating a
 * ticket, before the ticket's event may have reached this service, so a ticket the projection does
 * not hold yet is waited for a little. Then an unknown ticket and someone else's ticket get the
 * same 404, so ticket ids cannot be probed, and nothing is stored for either.
 */
export function ticketGate({ tickets, unknownTicketWaitMs }: TicketGateOptions): TicketGate {
  return async (user, ticketId, signal) => {
    const deadline = performance.now() + unknownTicketWaitMs;
    let requesterId = await tickets.requesterOf(ticketId);
    while (requesterId === undefined && performance.now() < deadline) {
      // Rejects when the form fails meanwhile (client gone): nobody is waiting for the answer.
      await sleep(Math.min(POLL_INTERVAL_MS, deadline - performance.now()), undefined, { signal });
      requesterId = await tickets.requesterOf(ticketId);
    }
    if (!canAttach(user, requesterId)) throw new NotFoundError('Ticket');
  };
}
