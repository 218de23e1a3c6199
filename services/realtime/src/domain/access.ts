/** Who may see what of a ticket: the rules behind chat joins and notification routing (no I/O). */

export interface TicketParties {
  ticketId: string;
  requesterId: string;
  assigneeId: string | null;
  /** Staff who worked on the ticket (assigned it, were assigned, commented). */
  agentIds: readonly string[];
}

export interface Viewer {
  id: string;
  role: 'employee' | 'agent' | 'admin';
}

/** Staff (agents, admins) may join any ticket's room; an employee only the rooms of their own tickets. */
export function canJoinRoom(viewer: Viewer, ticket: TicketParties): boolean {
  if (viewer.role === 'agent' || viewer.role === 'admin') return true;
  return viewer.id === ticket.requesterId;
}

export interface RecipientOptions {
  /** Leave the requester out (internal comments are for staff only). */
  staffOnly?: boolean;
  /** Leave this user out (the author of a chat message already has it). */
  except?: string;
  /** Further users the event names (a previous assignee). */
  also?: readonly (string | null | undefined)[];
}

/** The users an event about `ticket` concerns: requester, assignee and the agents on it. */
export function ticketRecipients(ticket: TicketParties, options: RecipientOptions = {}): string[] {
  const users = new Set<string>();
  if (!options.staffOnly) users.add(ticket.requesterId);
  if (ticket.assigneeId) users.add(ticket.assigneeId);
  for (const id of ticket.agentIds) users.add(id);
  for (const id of options.also ?? []) if (id) users.add(id);
  if (options.staffOnly) users.delete(ticket.requesterId);
  if (options.except) users.delete(options.except);
  return [...users];
}
