import type { Category, Priority, Status } from '@support-center/events';
import type { SlaState } from './sla';

/** The ticket vocabulary (issue 17): defined once, with the event contracts that carry it. */
export {
  CATEGORIES,
  PRIORITIES,
  STATUSES,
  type Category,
  type Priority,
  type Status,
} from '@support-center/events';

export interface Comment {
  id: string;
  authorId: string;
  body: string;
  /** An internal note: agents and admins only. */
  internal: boolean;
  createdAt: Date;
}

export interface Attachment {
  fileId: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  uploaderId: string;
  uploadedAt: Date;
}

export type HistoryAction =
  | 'created'
  | 'updated'
  | 'assigned'
  | 'status_changed'
  | 'commented'
  | 'attachment_added'
  | 'attachment_removed';

/** One entry of a ticket's audit history: who did what, when, and the values it changed. */
export interface HistoryEntry {
  at: Date;
  actorId: string;
  action: HistoryAction;
  /** Changed fields as `{from, to}`; for comments and attachments, their id. */
  changes: Record<string, unknown>;
}

/**
 * A ticket as stored (without the outbox and idempotency fields the libraries add). The service
 * level fields are missing on tickets stored before service levels existed.
 */
export interface Ticket extends Partial<SlaState> {
  _id: string;
  number: number;
  title: string;
  description: string;
  category: Category;
  priority: Priority;
  status: Status;
  requesterId: string;
  assigneeId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the ticket last entered each status: the timestamps of every transition are in `history`. */
  statusChangedAt: Date;
  solvedAt: Date | null;
  closedAt: Date | null;
  comments: Comment[];
  attachments: Attachment[];
  /** Files the file service deleted; their attachments are no longer shown. */
  deletedFileIds: string[];
  history: HistoryEntry[];
  /** Incremented by every change: updates are conditional on it, so none is lost. */
  version: number;
}
