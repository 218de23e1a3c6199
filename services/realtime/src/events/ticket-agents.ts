import { staffOf, type TicketEvent } from '../domain/ticket-staff';

/** Tickets remembered per instance; a ticket beyond them is read from the projection again. */
const REMEMBERED_TICKETS = 20_000;

/**
 * The staff on the tickets this instance's fan-out saw created, kept from the events themselves:
 * staff are only ever added, every later event of the ticket reaches this instance's own group in
 * order, and each names who it adds (`staffOf`). So an event about such a ticket needs no read
 * of the projection. A ticket created before this instance started is not known here (the
 * projection may not have applied all its events yet): its events read the projection, as before.
 * The least recently used tickets are forgotten first.
 */
export class TicketAgents {
  private readonly agents = new Map<string, readonly string[]>();

  constructor(private readonly capacity = REMEMBERED_TICKETS) {}

  /**
   * Learns what `event` adds to its ticket, and returns the ticket's staff with it; undefined when
   * the ticket was not known here before (a creation then starts it).
   */
  learn(event: TicketEvent): readonly string[] | undefined {
    const { ticketId } = event.data;
    const known = this.agents.get(ticketId);
    // A creation delivered again adds to what the ticket's later events taught.
    if (!known && event.type !== 'ticket.created') return undefined;
    const agents = [...new Set([...(known ?? []), ...staffOf(event)])];
    this.remember(ticketId, agents);
    return known && agents;
  }

  private remember(ticketId: string, agents: readonly string[]): void {
    // A Map iterates in insertion order: re-inserting makes this ticket the most recent.
    this.agents.delete(ticketId);
    this.agents.set(ticketId, agents);
    if (this.agents.size > this.capacity) this.agents.delete(this.agents.keys().next().value as string);
  }
}
