import type { Connection, mongo } from 'mongoose';
import type { Ticket } from '../domain/ticket';

/** A projected user of the auth service (from its `user.created`/`user.updated` events). */
export interface UserProjection {
  _id: string;
  username: string;
  displayName: string;
  role: 'employee' | 'agent' | 'admin';
  active: boolean;
  updatedAt: Date;
}

export interface Counter {
  _id: string;
  seq: number;
}

export const COLLECTIONS = { tickets: 'tickets', counters: 'counters', users: 'users' } as const;

/**
 * The service's collections, through the driver: documents also carry the outbox (`_outbox`) and
 * applied event ids (`_events`), which a strict mongoose schema would strip.
 */
export interface Collections {
  tickets: mongo.Collection<Ticket>;
  counters: mongo.Collection<Counter>;
  users: mongo.Collection<UserProjection>;
}

export function collections(connection: Connection): Collections {
  return {
    tickets: connection.collection<Ticket>(COLLECTIONS.tickets),
    counters: connection.collection<Counter>(COLLECTIONS.counters),
    users: connection.collection<UserProjection>(COLLECTIONS.users),
  };
}

/** Unique human-readable numbers (FerretDB and MongoDB both enforce a unique index), due times. */
export async function ensureIndexes(c: Collections): Promise<void> {
  await c.tickets.createIndex({ number: 1 }, { unique: true, name: 'number_unique' });
  // The SLA worker's and the due-time sorts' range reads; on MongoDB (FerretDB scans either way).
  await c.tickets.createIndex({ responseDueAt: 1, number: 1 }, { name: 'response_due' });
  await c.tickets.createIndex({ resolutionDueAt: 1, number: 1 }, { name: 'resolution_due' });
}
