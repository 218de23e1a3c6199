import type { CloudEvent, Outbox } from '@support-center/events';
import { AppError } from '@support-center/service-kit';
import type { mongo } from 'mongoose';
import { sortField, type Sort } from '../domain/schemas';
import type { Ticket } from '../domain/ticket';
import type { Collections } from './collections';
import { numberBatches } from './number-batches';

/** Fields the libraries keep in a ticket document that never leave the store. */
const INTERNAL_FIELDS = { _outbox: 0, _outboxLease: 0, _outboxRejected: 0, _events: 0 } as const;

/** What a list item carries: no comments, attachments or history. */
const SUMMARY_FIELDS = {
  number: 1,
  title: 1,
  description: 1,
  category: 1,
  priority: 1,
  status: 1,
  requesterId: 1,
  assigneeId: 1,
  createdAt: 1,
  updatedAt: 1,
  statusChangedAt: 1,
  solvedAt: 1,
  closedAt: 1,
  responseDueAt: 1,
  resolutionDueAt: 1,
  firstRespondedAt: 1,
  slaBreached: 1,
} as const;

export type TicketSummary = Pick<Ticket, '_id' | keyof typeof SUMMARY_FIELDS>;

/** A position in a sorted list: the sort field's value and the number that breaks ties. */
export interface Position {
  value: Date | number;
  number: number;
}

export interface ListFilter {
  status?: string[];
  priority?: string[];
  category?: string[];
  assigneeId?: string;
  requesterId?: string;
  /** Already escaped: matched literally, case-insensitively, in the title. */
  titlePattern?: string;
  /** true: a service-level target was breached; false: none was. */
  breached?: boolean;
}

const COUNTER_ID = 'ticket_number';

export interface TicketStore {
  nextNumber(): Promise<number>;
  insert(ticket: Ticket, events: CloudEvent[]): Promise<void>;
  findById(id: string): Promise<Ticket | null>;
  /** Applies `update` if the ticket is still at `version`; false when someone changed it first. */
  update(
    id: string,
    version: number,
    update: mongo.UpdateFilter<Ticket>,
    events: CloudEvent[],
  ): Promise<boolean>;
  list(filter: ListFilter, sort: Sort, after: Position | undefined, limit: number): Promise<TicketSummary[]>;
}

/** The tickets of `collections`, written with their events through `outbox` (which wakes the relay). */
export function ticketStore({ tickets, counters }: Collections, outbox: Outbox): TicketStore {
  // One atomic $inc per burst of creations (the local engine's write guard makes it atomic on
  // FerretDB too).
  const nextNumber = numberBatches(async (count) => {
    const counter = await counters.findOneAndUpdate(
      { _id: COUNTER_ID },
      { $inc: { seq: count } },
      { upsert: true, returnDocument: 'after' },
    );
    if (!counter) throw new AppError('INTERNAL', { message: 'the ticket number counter returned nothing' });
    return counter.seq;
  });
  return {
    nextNumber,

    async insert(ticket, events) {
      await outbox.insertOne(tickets, ticket, events);
    },

    findById(id) {
      return tickets.findOne({ _id: id }, { projection: INTERNAL_FIELDS }) as Promise<Ticket | null>;
    },

    async update(id, version, update, events) {
      const withVersion = { ...update, $inc: { ...update.$inc, version: 1 } } as mongo.UpdateFilter<Ticket>;
      const result = await outbox.updateOne(tickets, { _id: id, version }, withVersion, events);
      return result.matchedCount === 1;
    },

    async list(filter, sort, after, limit) {
      const field = sortField(sort);
      const direction = sort.startsWith('-') ? -1 : 1;
      const clauses: mongo.Filter<Ticket>[] = [];
      if (filter.status) clauses.push({ status: { $in: filter.status } } as mongo.Filter<Ticket>);
      if (filter.priority) clauses.push({ priority: { $in: filter.priority } } as mongo.Filter<Ticket>);
      if (filter.category) clauses.push({ category: { $in: filter.category } } as mongo.Filter<Ticket>);
      if (filter.assigneeId !== undefined) clauses.push({ assigneeId: filter.assigneeId });
      if (filter.requesterId !== undefined) clauses.push({ requesterId: filter.requesterId });
      if (filter.titlePattern !== undefined)
        clauses.push({ title: { $regex: filter.titlePattern, $options: 'i' } });
      if (filter.breached !== undefined) clauses.push(breachedFilter(filter.breached));
      // Only tickets with a due time: the keyset below compares dates.
      if (field === 'responseDueAt' || field === 'resolutionDueAt')
        clauses.push({ [field]: { $ne: null } } as mongo.Filter<Ticket>);
      if (after) clauses.push(keyset(field, direction, after));
      const query = clauses.length === 0 ? {} : clauses.length === 1 ? clauses[0]! : { $and: clauses };
      const order: Record<string, 1 | -1> =
        field === 'number' ? { number: direction } : { [field]: direction, number: direction };
      return (await tickets
        .find(query, { projection: SUMMARY_FIELDS })
        .sort(order)
        .limit(limit)
        .toArray()) as TicketSummary[];
    },
  };
}

/**
 * Everything strictly after `after` in the list's order. Keyset pagination on (field, number):
 * a ticket inserted while a client pages never shifts the pages it has not read yet.
 */
function keyset(field: string, direction: 1 | -1, after: Position): mongo.Filter<Ticket> {
  const beyond = direction === 1 ? '$gt' : '$lt';
  if (field === 'number') return { number: { [beyond]: after.number } };
  return {
    $or: [
      { [field]: { [beyond]: after.value } },
      { [field]: after.value, number: { [beyond]: after.number } },
    ],
  } as mongo.Filter<Ticket>;
}

/** `slaBreached` is missing on tickets older than service levels: not breached. */
function breachedFilter(breached: boolean): mongo.Filter<Ticket> {
  const flags = ['slaBreached.first_response', 'slaBreached.resolution'];
  return (
    breached
      ? { $or: flags.map((flag) => ({ [flag]: true })) }
      : { $and: flags.map((flag) => ({ [flag]: { $ne: true } })) }
  ) as mongo.Filter<Ticket>;
}
