import { mongo } from 'mongoose';
import { isDuplicateKeyError } from '@support-center/store';
import type { CloudEvent, Outbox } from '@support-center/events';
import { AppError, NotFoundError } from '@support-center/service-kit';
import {
  ASSIGNEE_ROLES,
  encodeAssigneeCursor,
  type AssigneeView,
  type ListAssigneesQuery,
} from '../domain/assignees';
import type { ListUsersQuery, User } from '../domain/users';
import { usernameKey } from '../domain/users';
import type { AuthCollections, UserDoc } from './collections';

export interface NewUser {
  username: string;
  displayName: string;
  email: string | null;
  role: User['role'];
  loginMethod: User['loginMethod'];
  passwordHash: string | null;
}

export type UserChanges = Partial<
  Pick<UserDoc, 'displayName' | 'email' | 'role' | 'active' | 'passwordHash'>
>;

export interface UserWithSecret {
  user: User;
  passwordHash: string | null;
}

const PUBLIC_FIELDS = { passwordHash: 0, _outbox: 0, _outboxLease: 0, _outboxRejected: 0 } as const;

/** Users, each written together with its events. */
export function userStore(collections: AuthCollections, outbox: Outbox) {
  const users = collections.users;

  /** Inserts a user with the events `build` makes of it; 409 when the username is taken. */
  async function create(
    fields: NewUser,
    build: (user: User) => CloudEvent[],
    now = new Date(),
  ): Promise<User> {
    const user: User = {
      id: new mongo.ObjectId().toHexString(),
      username: fields.username,
      displayName: fields.displayName,
      email: fields.email,
      role: fields.role,
      active: true,
      loginMethod: fields.loginMethod,
      createdAt: now,
      updatedAt: now,
    };
    const { id, ...rest } = user;
    try {
      await outbox.insertOne(
        users,
        { _id: id, ...rest, usernameKey: usernameKey(user.username), passwordHash: fields.passwordHash },
        build(user),
      );
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new AppError('CONFLICT', {
          message: `The username ${user.username} is taken`,
          details: [{ field: 'username', message: 'is taken' }],
        });
      throw error;
    }
    return user;
  }

  async function findById(id: string): Promise<User | null> {
    const doc = await users.findOne({ _id: id }, { projection: PUBLIC_FIELDS });
    return doc && toUser(doc);
  }

  async function findByUsername(username: string): Promise<UserWithSecret | null> {
    const doc = await users.findOne({ usernameKey: usernameKey(username) });
    return doc && { user: toUser(doc), passwordHash: doc.passwordHash };
  }

  /** A page in id (creation) order, and the cursor of the next one. */
  async function list(query: ListUsersQuery): Promise<{ items: User[]; nextCursor: string | null }> {
    const filter: Record<string, unknown> = {};
    if (query.role) filter.role = query.role;
    if (query.active !== undefined) filter.active = query.active;
    if (query.loginMethod) filter.loginMethod = query.loginMethod;
    if (query.cursor) filter._id = { $gt: query.cursor };
    if (query.q) {
      const pattern = { $regex: escapeRegex(query.q), $options: 'i' };
      filter.$or = [{ username: pattern }, { displayName: pattern }, { email: pattern }];
    }
    const docs = await users
      .find(filter, { projection: PUBLIC_FIELDS })
      .sort({ _id: 1 })
      .limit(query.limit + 1)
      .toArray();
    const items = docs.slice(0, query.limit).map(toUser);
    return { items, nextCursor: docs.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  /**
   * Active users who may be assigned tickets, by display name then id (the cursor's order),
   * optionally those whose username or display name contains `q` (any case, taken literally).
   */
  async function listAssignees(
    query: ListAssigneesQuery,
  ): Promise<{ items: AssigneeView[]; nextCursor: string | null }> {
    const filter: Record<string, unknown> = { active: true, role: { $in: [...ASSIGNEE_ROLES] } };
    const and: Record<string, unknown>[] = [];
    if (query.q) {
      const pattern = { $regex: escapeRegex(query.q), $options: 'i' };
      and.push({ $or: [{ username: pattern }, { displayName: pattern }] });
    }
    if (query.cursor) {
      const { d, i } = query.cursor;
      and.push({ $or: [{ displayName: { $gt: d } }, { displayName: d, _id: { $gt: i } }] });
    }
    if (and.length) filter.$and = and;
    const docs = await users
      .find(filter, { projection: { _id: 1, username: 1, displayName: 1, role: 1 } })
      .sort({ displayName: 1, _id: 1 })
      .limit(query.limit + 1)
      .toArray();
    const items = docs.slice(0, query.limit).map((doc) => ({
      id: doc._id,
      username: doc.username,
      displayName: doc.displayName,
      role: doc.role as AssigneeView['role'],
    }));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        docs.length > query.limit && last ? encodeAssigneeCursor({ d: last.displayName, i: last.id }) : null,
    };
  }

  /**
   * Applies `changes` with the events `build` makes of the result, in one write. Returns null
   * when the user does not exist; a change to nothing writes nothing.
   */
  async function update(
    id: string,
    changes: UserChanges,
    build: (before: User, after: User) => CloudEvent[],
    now = new Date(),
  ): Promise<User> {
    const before = await findById(id);
    if (!before) throw new NotFoundError('User');
    const { passwordHash, ...visible } = changes;
    const after: User = { ...before, ...visible, updatedAt: now };
    const events = build(before, after);
    const $set: Partial<UserDoc> = { ...visible, updatedAt: now };
    if (passwordHash !== undefined) $set.passwordHash = passwordHash;
    await outbox.updateOne(users, { _id: id }, { $set }, events);
    return after;
  }

  return { create, findById, findByUsername, list, listAssignees, update };
}

export type UserStore = ReturnType<typeof userStore>;

function toUser(doc: UserDoc): User {
  return {
    id: doc._id,
    username: doc.username,
    displayName: doc.displayName,
    email: doc.email ?? null,
    role: doc.role,
    active: doc.active,
    loginMethod: doc.loginMethod,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
