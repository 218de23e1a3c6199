import { z } from 'zod';
import {
  categorySchema as category,
  prioritySchema as priority,
  statusSchema as status,
} from './ticket-vocabulary';

/** Who a ticket concerns; every ticket event carries it so consumers can route notifications. */
const parties = {
  ticketId: z.string().min(1),
  number: z.number().int().positive(),
  requesterId: z.string().min(1),
  assigneeId: z.string().min(1).nullable(),
};

/** A service-level event: which target of which ticket, due when. */
const slaData = z.object({
  ...parties,
  category,
  priority,
  target: z.enum(['first_response', 'resolution']),
  dueAt: z.iso.datetime(),
  fraction: z.number().gt(0).max(1),
});

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
  // A service-level target of the ticket reached its warning fraction, or its due time (fraction
  // 1); each at most once per ticket and target. Published by the ticket service's SLA worker.
  'ticket.sla_warning': { version: 1, data: slaData },
  'ticket.sla_breached': { version: 1, data: slaData },
} as const;
