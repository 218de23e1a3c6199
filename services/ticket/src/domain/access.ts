import type { AuthUser } from '@support-center/service-kit';
import type { Status, Ticket } from './ticket';

/**
 * Who may do what (issue 17): employees see and act on their own tickets and public comments
 * only; agents and admins see and act on every ticket, internal notes included.
 */
export function isStaff(user: AuthUser): boolean {
  return user.role === 'agent' || user.role === 'admin';
}

/** Whether `user` may see the ticket at all (employees: their own; otherwise it does not exist for them). */
export function canView(user: AuthUser, ticket: Pick<Ticket, 'requesterId'>): boolean {
  return isStaff(user) || ticket.requesterId === user.id;
}

/** Fields an employee may change on their own ticket; staff may change every field. */
export const REQUESTER_EDITABLE = ['title', 'description', 'category'] as const;

export function canEditField(user: AuthUser, field: string): boolean {
  return isStaff(user) || (REQUESTER_EDITABLE as readonly string[]).includes(field);
}

export function canAssign(user: AuthUser): boolean {
  return isStaff(user);
}

/**
 * Status changes an employee may make on their own ticket: reopening a solved ticket and
 * closing it once solved. Staff make every change the state machine allows.
 */
const REQUESTER_TRANSITIONS: ReadonlySet<string> = new Set(['solved>in_progress', 'solved>closed']);

export function canChangeStatus(user: AuthUser, from: Status, to: Status): boolean {
  return isStaff(user) || REQUESTER_TRANSITIONS.has(`${from}>${to}`);
}

export function canWriteInternalNote(user: AuthUser): boolean {
  return isStaff(user);
}
