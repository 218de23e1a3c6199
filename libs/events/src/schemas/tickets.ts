import { z } from 'zod';

const category = z.enum(['hardware', 'software', 'network', 'access', 'other']);
const priority = z.enum(['low', 'medium', 'high', 'critical']);
const status = z.enum(['open', 'in_progress', 'pending', 'solved', 'closed']);

/** Who a ticket concerns; every ticket event carries it so consumers can route notifications. */
const parties = {
  ticketId: z.string().min(1),
  number: z.number().int().positive(),
  requesterId: z.string().min(1),
  assigneeId: z.string().min(1).nullable(),
};

/** Events of the `tickets` topic, keyed by ticket id. */
export const ticketEvents = {
  'ticket.created': {
    version: 1,
    data: z.object({
      ...parties,
      title: z.string(),
      category,
      priority,
      status,
      createdAt: z.iso.datetime(),
    }),
  },
  'ticket.assigned': {
    version: 1,
    data: z.object({
      ...parties,
      previousAssigneeId: z.string().min(1).nullable(),
      assignedBy: z.string().min(1),
      category,
      priority,
    }),
  },
  'ticket.status_changed': {
    version: 1,
    data: z.object({ ...parties, from: status, to: status, changedBy: z.string().min(1) }),
  },
  'ticket.solved': {
    version: 1,
    data: z.object({ ...parties, category, priority, resolutionSeconds: z.number().nonnegative() }),
  },
  'ticket.commented': {
    version: 1,
    data: z.object({
      ...parties,
      commentId: z.string().min(1),
      authorId: z.string().min(1),
      internal: z.boolean(),
      body: z.string(),
    }),
  },
} as const;
