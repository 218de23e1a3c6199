import { z } from 'zod';
import { CATEGORIES, PRIORITIES, STATUSES } from './ticket';

/** Request and response shapes; the OpenAPI document is generated from these. */
export const category = z.enum(CATEGORIES);
export const priority = z.enum(PRIORITIES);
export const status = z.enum(STATUSES);

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
/** Ids the ticket service hands out: 24 hex digits. */
export const TICKET_ID = /^[0-9a-f]{24}$/;
const userId = z.string().trim().min(1).max(128);

export const createTicketBody = z.strictObject({
  title: text(200),
  description: text(10_000),
  category,
  priority,
});

export const updateTicketBody = z
  .strictObject({
    title: text(200).optional(),
    description: text(10_000).optional(),
    category: category.optional(),
    priority: priority.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'must change at least one of title, description, category, priority',
  });

export const assignBody = z.strictObject({ assigneeId: userId.nullable() });

export const statusBody = z.strictObject({ status });

export const commentBody = z.strictObject({
  body: text(10_000),
  internal: z.boolean().optional().default(false),
});

export const SORTS = [
  '-createdAt',
  'createdAt',
  '-updatedAt',
  'updatedAt',
  '-number',
  'number',
  // By due time: only the tickets that have one (a paused resolution clock has none).
  'responseDueAt',
  '-responseDueAt',
  'resolutionDueAt',
  '-resolutionDueAt',
] as const;
export type Sort = (typeof SORTS)[number];
/** The field a sort orders by. */
export type SortField = Exclude<Sort, `-${string}`>;

export function sortField(sort: Sort): SortField {
  return sort.replace(/^-/, '') as SortField;
}

/** A filter value: one value, or several comma-separated (`status=open,pending`). */
const oneOrMore = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(item).min(1));

export const listQuery = z.object({
  status: oneOrMore(status).optional(),
  priority: oneOrMore(priority).optional(),
  category: oneOrMore(category).optional(),
  assigneeId: userId.optional(),
  requesterId: userId.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  /** true: a service-level target was breached; false: none was. */
  breached: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  sort: z.enum(SORTS).default('-createdAt'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type ListQuery = z.infer<typeof listQuery>;

const isoDate = z.iso.datetime();

export const commentView = z.object({
  id: z.string(),
  authorId: z.string(),
  body: z.string(),
  internal: z.boolean(),
  createdAt: isoDate,
});

export const attachmentView = z.object({
  fileId: z.string(),
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  sha256: z.string(),
  uploaderId: z.string(),
  uploadedAt: isoDate,
});

export const historyView = z.object({
  at: isoDate,
  actorId: z.string(),
  action: z.string(),
  changes: z.record(z.string(), z.unknown()),
});

export const ticketSummary = z.object({
  id: z.string(),
  number: z.number().int(),
  title: z.string(),
  description: z.string(),
  category,
  priority,
  status,
  requesterId: z.string(),
  assigneeId: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  statusChangedAt: isoDate,
  solvedAt: isoDate.nullable(),
  closedAt: isoDate.nullable(),
  /** Null on tickets older than service levels. */
  responseDueAt: isoDate.nullable(),
  /** Null while the resolution clock is paused (pending). */
  resolutionDueAt: isoDate.nullable(),
  firstRespondedAt: isoDate.nullable(),
  /** Which targets the service-level worker found breached. */
  slaBreached: z.object({ first_response: z.boolean(), resolution: z.boolean() }),
});

export const ticketView = ticketSummary.extend({
  comments: z.array(commentView),
  attachments: z.array(attachmentView),
  history: z.array(historyView),
  allowedTransitions: z.array(status),
});

export const ticketList = z.object({ items: z.array(ticketSummary), nextCursor: z.string().nullable() });
