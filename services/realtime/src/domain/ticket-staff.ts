import type { CloudEvent, EventType } from '@support-center/events';

export type TicketEvent = CloudEvent<Extract<EventType, `ticket.${string}`>>;

/**
 * The staff a ticket event shows working on its ticket: the assignee, who assigned it, who
 * commented. The requester is never among them (a requester commenting is no agent).
 */
export function staffOf(event: TicketEvent): string[] {
  const { requesterId, assigneeId } = event.data;
  const staff: string[] = [];
  if (assigneeId) staff.push(assigneeId);
  if (event.type === 'ticket.assigned') staff.push(event.data.assignedBy);
  if (event.type === 'ticket.commented') staff.push(event.data.authorId);
  return staff.filter((id) => id !== requesterId);
}
