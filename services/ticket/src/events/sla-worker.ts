import type { Outbox } from '@support-center/events';
import type { Instruments } from '@support-center/telemetry';
import type { mongo } from 'mongoose';
import { RUNNING_STATUSES, SLA_TARGETS, type SlaTarget } from '../domain/sla';
import { PRIORITIES, type Ticket } from '../domain/ticket';
import { ticketSlaBreached, ticketSlaWarning } from './ticket-events';

type DateField = 'responseWarnAt' | 'responseDueAt' | 'resolutionWarnAt' | 'resolutionDueAt';

/** One threshold of one target: when it passes, the event to publish once and the mark that says it was. */
interface Threshold {
  target: SlaTarget;
  kind: 'warning' | 'breach';
  at: DateField;
  due: DateField;
  mark: `slaWarned.${SlaTarget}` | `slaBreached.${SlaTarget}`;
  /** The clock stops once the target is met. */
  running: mongo.Filter<Ticket>;
}

const running = { status: { $in: [...RUNNING_STATUSES] } };
const awaitingResponse = { ...running, firstRespondedAt: null };

// Warnings before breaches: a ticket past both at once gets both, in that order.
const THRESHOLDS: readonly Threshold[] = [
  {
    target: 'first_response',
    kind: 'warning',
    at: 'responseWarnAt',
    due: 'responseDueAt',
    mark: 'slaWarned.first_response',
    running: awaitingResponse,
  },
  {
    target: 'resolution',
    kind: 'warning',
    at: 'resolutionWarnAt',
    due: 'resolutionDueAt',
    mark: 'slaWarned.resolution',
    running,
  },
  {
    target: 'first_response',
    kind: 'breach',
    at: 'responseDueAt',
    due: 'responseDueAt',
    mark: 'slaBreached.first_response',
    running: awaitingResponse,
  },
  {
    target: 'resolution',
    kind: 'breach',
    at: 'resolutionDueAt',
    due: 'resolutionDueAt',
    mark: 'slaBreached.resolution',
    running,
  },
];

export interface SlaWorkerOptions {
  tickets: mongo.Collection<Ticket>;
  warningFraction: number;
  /** The time thresholds are compared with; tests drive it. */
  now: () => Date;
  /** Tickets handled per threshold and pass; the next pass takes the rest. */
  batch: number;
  metrics: Pick<Instruments, 'ticket_sla_breaches_total'>;
  /** Writes the mark with its event (and wakes the relay). */
  outbox: Outbox;
  /** Called for each ticket this instance marked: drops the cached copy. */
  marked(id: string): void;
}

export interface SlaPass {
  warnings: number;
  breaches: number;
}

/**
 * Finds tickets past a warning or a due time and publishes `ticket.sla_warning` and
 * `ticket.sla_breached` through the ticket's outbox. Each is published once per ticket and
 * target, however many replicas run this at once and across restarts: the mark that says it was
 * published and the outbox entry are written by one conditional update of the ticket (the mark
 * not set yet, the threshold still passed, the ticket unchanged), so exactly one instance wins
 * and a crash loses neither without the other. The winner counts the breach.
 */
export function slaWorker(options: SlaWorkerOptions) {
  const { tickets, warningFraction, now, batch, metrics, outbox, marked } = options;
  // Every series from the start, so a rate or an increase sees the first breach.
  for (const priority of PRIORITIES)
    for (const target of SLA_TARGETS) metrics.ticket_sla_breaches_total.add(0, { priority, target });

  async function pass(threshold: Threshold, at: Date): Promise<number> {
    const due = {
      ...threshold.running,
      [threshold.at]: { $lte: at },
      [threshold.mark]: { $ne: true },
    } as mongo.Filter<Ticket>;
    const candidates = await tickets
      .find(due, { projection: { comments: 0, attachments: 0, history: 0, _outbox: 0, _events: 0 } })
      .limit(batch)
      .toArray();
    let won = 0;
    for (const ticket of candidates) {
      const dueAt = ticket[threshold.due];
      if (!dueAt) continue;
      const sla = {
        target: threshold.target,
        dueAt,
        fraction: threshold.kind === 'warning' ? warningFraction : 1,
        at,
      };
      const event =
        threshold.kind === 'warning' ? ticketSlaWarning(ticket, sla) : ticketSlaBreached(ticket, sla);
      const result = await outbox.updateOne(
        tickets,
        // The version: the event describes the ticket as read (priority, assignee, due time).
        { ...due, _id: ticket._id, version: ticket.version } as mongo.Filter<Ticket> & { _id: string },
        { $set: { [threshold.mark]: true } } as mongo.UpdateFilter<Ticket>,
        [event],
      );
      if (result.matchedCount !== 1) continue;
      won += 1;
      marked(ticket._id);
      if (threshold.kind === 'breach')
        metrics.ticket_sla_breaches_total.add(1, { priority: ticket.priority, target: threshold.target });
    }
    return won;
  }

  return {
    /** One pass over every threshold; resolves what this instance published. */
    async run(): Promise<SlaPass> {
      const at = now();
      const result: SlaPass = { warnings: 0, breaches: 0 };
      for (const threshold of THRESHOLDS) {
        const won = await pass(threshold, at);
        if (threshold.kind === 'warning') result.warnings += won;
        else result.breaches += won;
      }
      return result;
    },
  };
}

export type SlaWorker = ReturnType<typeof slaWorker>;
