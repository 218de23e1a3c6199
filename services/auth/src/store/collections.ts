import type { Connection, mongo } from 'mongoose';
import type { Role } from '@support-center/service-kit';
import type { Session } from '../domain/sessions';
import type { LoginMethod } from '../domain/users';

/** The auth database's collections; users and sessions carry their pending events (`_outbox`). */
export const COLLECTIONS = { users: 'users', sessions: 'sessions', throttle: 'login_throttle' } as const;

export interface UserDoc {
  _id: string;
  username: string;
  /** Lower-cased username, uniquely indexed. Never updated (FerretDB answers code 1 then). */
  usernameKey: string;
  displayName: string;
  email: string | null;
  role: Role;
  active: boolean;
  loginMethod: LoginMethod;
  /** argon2id; null for LDAP users. */
  passwordHash: string | null;
  createdAt: Date;
  updatedAt: Date;
  _outbox?: string[];
}

/** A session as stored: its id as `_id`, with what only the store reads. */
export interface SessionDoc extends Omit<Session, 'id'> {
  _id: string;
  /** Hashes of refresh tokens already exchanged: presenting one again revokes the session. */
  usedHashes: string[];
  _outbox?: string[];
}

export interface ThrottleDoc {
  _id: string;
  /** Failed attempts in the window, plus the attempts being checked right now. */
  failures: number;
  lockedUntil: Date | null;
  /** Attempts are checked while `failures` (theirs included) is at most this; absent: the threshold. */
  allowance?: number;
  /** The count restarts once this passes without a new attempt. */
  expiresAt: Date;
}

export interface AuthCollections {
  users: mongo.Collection<UserDoc>;
  sessions: mongo.Collection<SessionDoc>;
  throttle: mongo.Collection<ThrottleDoc>;
}

/** The collections on the service's connection; they queue commands until it is open. */
export function authCollections(connection: Connection): AuthCollections {
  return {
    users: connection.collection<UserDoc>(COLLECTIONS.users),
    sessions: connection.collection<SessionDoc>(COLLECTIONS.sessions),
    throttle: connection.collection<ThrottleDoc>(COLLECTIONS.throttle),
  };
}

/** Unique usernames. No TTL or partial indexes (docs/architecture.md, "MongoDB subset"). */
export async function ensureIndexes(collections: AuthCollections): Promise<void> {
  await collections.users.createIndex({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
  await collections.sessions.createIndex({ userId: 1 }, { name: 'userId' });
  await collections.sessions.createIndex({ expiresAt: 1 }, { name: 'expiresAt' });
}
