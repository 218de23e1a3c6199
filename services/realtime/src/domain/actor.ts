import type { CloudEvent, EventType } from '@support-center/events';

/**
 * The field of each event's data that names who did it: that user is not notified of their own
 * action. `ticket.solved` names nobody (its `ticket.status_changed` names who solved it).
 */
const ACTOR_FIELDS: Partial<Record<EventType, string>> = {
  // Tickets are created by their requester.
  'ticket.created': 'requesterId',
  'ticket.assigned': 'assignedBy',
  'ticket.status_changed': 'changedBy',
  'ticket.commented': 'authorId',
  'file.uploaded': 'uploaderId',
  'file.deleted': 'deletedBy',
  'chat.message_posted': 'authorId',
};

/** Who caused `event`, when its data says. */
export function actorOf(event: Pick<CloudEvent, 'type' | 'data'>): string | undefined {
  const field = ACTOR_FIELDS[event.type as EventType];
  if (!field) return undefined;
  const actor = (event.data as Record<string, unknown> | undefined)?.[field];
  return typeof actor === 'string' ? actor : undefined;
}
