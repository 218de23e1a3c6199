import type { AuthUser } from '@support-center/service-kit';

/** What access checks need to know about a stored file. */
export interface FileOwnership {
  uploaderId: string;
  ticketId: string;
}

/** Agents and admins handle every ticket, so they see and remove every file. */
const STAFF = new Set(['agent', 'admin']);

/**
 * Who may read a file: its uploader, agents and admins, and the requester of its ticket
 * (`ticketRequesterId`, from the projection of ticket events; undefined when unknown).
 */
export function canRead(user: AuthUser, file: FileOwnership, ticketRequesterId: string | undefined): boolean {
  return STAFF.has(user.role) || file.uploaderId === user.id || ticketRequesterId === user.id;
}

/** Who may delete a file: its uploader, agents and admins. */
export function canDelete(user: AuthUser, file: FileOwnership): boolean {
  return STAFF.has(user.role) || file.uploaderId === user.id;
}

/**
 * Who may attach a file to a ticket: agents and admins, and employees to tickets they requested.
 * A ticket the projection does not know (`ticketRequesterId` undefined) takes no files from
 * anyone: ticket ids are predictable, and a file must not wait on a ticket that may never exist.
 */
export function canAttach(user: AuthUser, ticketRequesterId: string | undefined): boolean {
  return ticketRequesterId !== undefined && (STAFF.has(user.role) || ticketRequesterId === user.id);
}
