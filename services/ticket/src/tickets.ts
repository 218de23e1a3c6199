import { AppError, NotFoundError, ValidationError, type AuthUser } from '@support-center/service-kit';
import type { CloudEvent } from '@support-center/events';
import { mongo } from 'mongoose';
import type { z } from 'zod';
import type { ReadCache } from './cache/read-cache';
import {
  canAssign,
  canChangeStatus,
  canEditField,
  canView,
  canWriteInternalNote,
  isStaff,
} from './domain/access';
import { decodeCursor, encodeCursor } from './domain/cursor';
import { escapeRegExp } from './domain/escape';
import { assertRoomForComment, assertWithinSize, type TicketLimits } from './domain/limits';
import type { commentBody, createTicketBody, ListQuery, updateTicketBody } from './domain/schemas';
import { sortField, TICKET_ID } from './domain/schemas';
import {
  initialSla,
  onPriorityChange,
  onResponse,
  onStatusChange,
  solvedWithinTarget,
  type SlaPolicy,
  type SlaState,
} from './domain/sla';
import { allowedTransitions, canTransition } from './domain/state-machine';
import type { Comment, HistoryEntry, Status, Ticket } from './domain/ticket';
import { capitalised, withArticle } from './domain/wording';
import {
  ticketAssigned,
  ticketCommented,
  ticketCreated,
  ticketSolved,
  ticketStatusChanged,
} from './events/ticket-events';
import type { TicketMetrics } from './metrics/ticket-metrics';
import type { Collections } from './store/collections';
import type { TicketStore, TicketSummary } from './store/tickets';

export interface TicketServiceOptions {
  store: TicketStore;
  users: Collections['users'];
  cache: ReadCache<Ticket>;
  metrics: TicketMetrics;
  limits: TicketLimits;
  sla: SlaPolicy;
  /** The time of a change; tests drive it to move through service-level targets. */
  now?: () => Date;
}

/** What a change to a ticket writes: the update, its events, and the ticket as it will be. */
interface Change {
  update: mongo.UpdateFilter<Ticket>;
  events: CloudEvent[];
  after: Ticket;
  /** Recorded once the write succeeded. */
  record?: () => void;
  /**
   * Allowed past the size limit: the ways out of a full ticket, solving and closing it. Each adds
   * one history entry, and at most two of them follow each other (closed is final) before a
   * change that must fit again, so a ticket ends at most two entries beyond the limit.
   */
  exemptFromSizeLimit?: boolean;
}

/** Attempts at a conditional update before answering 409 to a change raced by others. */
const MAX_ATTEMPTS = 3;

export type TicketService = ReturnType<typeof ticketService>;

/**
 * The ticket use cases: access rules and the state machine from `domain/`, persistence with
 * the events in the same document write, cache invalidation, and the business metrics.
 */
export function ticketService({
  store,
  users,
  cache,
  metrics,
  limits,
  sla,
  now: clock = () => new Date(),
}: TicketServiceOptions) {
  async function load(user: AuthUser, id: string): Promise<Ticket> {
    if (!TICKET_ID.test(id)) throw new NotFoundError('Ticket');
    const ticket = await store.findById(id);
    // Another requester's ticket does not exist for an employee.
    if (!ticket || !canView(user, ticket)) throw new NotFoundError('Ticket');
    return ticket;
  }

  /**
   * Loads a ticket while `check` runs (a check of the request that needs no ticket); the check's
   * failure wins, so a request with both faults gets the same answer whichever read ends first.
   */
  async function loadChecked(user: AuthUser, id: string, check: Promise<void>): Promise<Ticket> {
    const [loaded, checked] = await Promise.allSettled([load(user, id), check]);
    if (checked.status === 'rejected') throw checked.reason;
    if (loaded.status === 'rejected') throw loaded.reason;
    return loaded.value;
  }

  /**
   * Applies a change with optimistic concurrency: re-read and re-decide when someone else wrote
   * first. `check` runs beside the first read.
   */
  async function change(
    user: AuthUser,
    id: string,
    decide: (ticket: Ticket, now: Date) => Change | null,
    check?: Promise<void>,
  ): Promise<Ticket> {
    for (let attempt = 1; ; attempt += 1) {
      const ticket = attempt === 1 && check ? await loadChecked(user, id, check) : await load(user, id);
      const decided = decide(ticket, clock());
      if (!decided) return ticket;
      // Checked on the ticket as this change leaves it, so every way a ticket grows is bounded.
      if (!decided.exemptFromSizeLimit)
        assertWithinSize(mongo.BSON.calculateObjectSize(decided.after), limits);
      const written = await store.update(id, ticket.version, decided.update, decided.events);
      if (written) {
        cache.delete(id);
        decided.record?.();
        return decided.after;
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new AppError('CONFLICT', { message: 'The ticket changed while this request ran; try again' });
    }
  }

  async function assertAssignable(assigneeId: string): Promise<void> {
    const assignee = await users.findOne({ _id: assigneeId });
    if (!assignee || !assignee.active || (assignee.role !== 'agent' && assignee.role !== 'admin'))
      throw new ValidationError([{ field: 'assigneeId', message: 'is not a known, active agent or admin' }]);
  }

  function assertNotClosed(ticket: Ticket): void {
    if (ticket.status === 'closed')
      throw new AppError('CONFLICT', {
        message: 'The ticket is closed; a follow-up is a new ticket',
        details: { status: 'closed', allowedTransitions: [] },
      });
  }

  function recordFirstResponse(ticket: Ticket, response: Partial<SlaState>): void {
    if (response.firstRespondedAt)
      metrics.firstResponse(
        ticket,
        (response.firstRespondedAt.getTime() - ticket.createdAt.getTime()) / 1000,
      );
  }

  function entry(
    actorId: string,
    action: HistoryEntry['action'],
    at: Date,
    changes: HistoryEntry['changes'],
  ) {
    return { at, actorId, action, changes };
  }

  return {
    async create(user: AuthUser, input: z.infer<typeof createTicketBody>): Promise<Ticket> {
      const now = clock();
      const ticket: Ticket = {
        _id: new mongo.ObjectId().toHexString(),
        number: await store.nextNumber(),
        ...input,
        status: 'open',
        requesterId: user.id,
        assigneeId: null,
        createdAt: now,
        updatedAt: now,
        statusChangedAt: now,
        solvedAt: null,
        closedAt: null,
        comments: [],
        attachments: [],
        deletedFileIds: [],
        history: [entry(user.id, 'created', now, { status: { from: null, to: 'open' } })],
        version: 1,
        ...initialSla(now, input.priority, sla),
      };
      await store.insert(ticket, [ticketCreated(ticket)]);
      metrics.created(ticket, user.role);
      return ticket;
    },

    /** A ticket for reading, from the cache when it holds it. */
    async get(user: AuthUser, id: string): Promise<Ticket> {
      if (!TICKET_ID.test(id)) throw new NotFoundError('Ticket');
      let ticket = cache.get(id);
      if (!ticket) {
        const token = cache.token();
        ticket = (await store.findById(id)) ?? undefined;
        if (ticket) cache.set(id, ticket, token);
      }
      if (!ticket || !canView(user, ticket)) throw new NotFoundError('Ticket');
      return ticket;
    },

    async list(
      user: AuthUser,
      query: ListQuery,
    ): Promise<{ items: TicketSummary[]; nextCursor: string | null }> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
      const filter = {
        status: query.status,
        priority: query.priority,
        category: query.category,
        assigneeId: query.assigneeId,
        // Employees list their own tickets, whatever they ask for.
        requesterId: isStaff(user) ? query.requesterId : user.id,
        titlePattern: query.q === undefined ? undefined : escapeRegExp(query.q),
        breached: query.breached,
      };
      const rows = await store.list(filter, query.sort, after, query.limit + 1);
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      const value = last?.[sortField(query.sort)];
      const nextCursor =
        rows.length > query.limit && last && value
          ? encodeCursor({ sort: query.sort, value, number: last.number })
          : null;
      return { items, nextCursor };
    },

    update(user: AuthUser, id: string, input: z.infer<typeof updateTicketBody>): Promise<Ticket> {
      const forbidden = Object.keys(input).filter((field) => !canEditField(user, field));
      if (forbidden.length > 0)
        throw new AppError('FORBIDDEN', {
          message: `Only agents and admins may change ${forbidden.join(', ')}`,
          details: forbidden.map((field) => ({ field, message: 'may be changed by agents and admins only' })),
        });
      return change(user, id, (ticket, now) => {
        assertNotClosed(ticket);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const [field, value] of Object.entries(input) as [keyof typeof input, string][]) {
          if (value !== undefined && ticket[field] !== value)
            changes[field] = { from: ticket[field], to: value };
        }
        if (Object.keys(changes).length === 0) return null;
        const set: Partial<Ticket> = {
          ...Object.fromEntries(Object.entries(changes).map(([f, c]) => [f, c.to])),
          // The due times follow the priority's targets.
          ...(changes.priority ? onPriorityChange(ticket, input.priority!, sla) : {}),
        };
        const history = entry(user.id, 'updated', now, changes);
        return {
          update: { $set: { ...set, updatedAt: now }, $push: { history } },
          events: [],
          after: {
            ...ticket,
            ...set,
            updatedAt: now,
            history: [...ticket.history, history],
            version: ticket.version + 1,
          },
        };
      });
    },

    async assign(user: AuthUser, id: string, assigneeId: string | null): Promise<Ticket> {
      if (!canAssign(user))
        throw new AppError('FORBIDDEN', { message: 'Only agents and admins assign tickets' });
      // The assignee is looked up while the ticket loads.
      const assignable = assigneeId === null ? undefined : assertAssignable(assigneeId);
      const decide = (ticket: Ticket, now: Date): Change | null => {
        assertNotClosed(ticket);
        if (ticket.assigneeId === assigneeId) return null;
        const history = entry(user.id, 'assigned', now, {
          assigneeId: { from: ticket.assigneeId, to: assigneeId },
        });
        // Assigning to an agent is a first response; unassigning is not.
        const response = assigneeId === null ? {} : onResponse(ticket, now);
        const set = { assigneeId, updatedAt: now, ...response };
        const after: Ticket = {
          ...ticket,
          ...set,
          history: [...ticket.history, history],
          version: ticket.version + 1,
        };
        return {
          update: { $set: set, $push: { history } },
          events: [ticketAssigned(after, ticket.assigneeId, user.id)],
          after,
          record: () => {
            if (assigneeId !== null) metrics.assigned(after);
            recordFirstResponse(after, response);
          },
        };
      };
      return change(user, id, decide, assignable);
    },

    changeStatus(user: AuthUser, id: string, to: Status): Promise<Ticket> {
      return change(user, id, (ticket, now) => {
        const from = ticket.status;
        if (!canTransition(from, to)) {
          const allowed = allowedTransitions(from);
          throw new AppError('CONFLICT', {
            message:
              allowed.length === 0
                ? `${capitalised(withArticle(from))} ticket cannot change status; a follow-up is a new ticket`
                : `${capitalised(withArticle(from))} ticket cannot become ${to}; allowed: ${allowed.join(', ')}`,
            details: { status: from, requested: to, allowedTransitions: allowed },
          });
        }
        if (!canChangeStatus(user, from, to))
          throw new AppError('FORBIDDEN', {
            message: `Only agents and admins may move ${withArticle(from)} ticket to ${to}`,
          });
        const history = entry(user.id, 'status_changed', now, { status: { from, to } });
        const set: Partial<Ticket> = {
          status: to,
          statusChangedAt: now,
          updatedAt: now,
          ...onStatusChange(ticket, to, now, sla),
        };
        if (to === 'solved') set.solvedAt = now;
        if (from === 'solved' && to === 'in_progress') set.solvedAt = null;
        if (to === 'closed') set.closedAt = now;
        const after: Ticket = {
          ...ticket,
          ...set,
          history: [...ticket.history, history],
          version: ticket.version + 1,
        };
        const events = [ticketStatusChanged(after, from, user.id)];
        const resolutionSeconds = Math.max(0, (now.getTime() - ticket.createdAt.getTime()) / 1000);
        if (to === 'solved') events.push(ticketSolved(after, resolutionSeconds));
        return {
          update: { $set: set, $push: { history } },
          events,
          after,
          exemptFromSizeLimit: to === 'solved' || to === 'closed',
          record: () => {
            metrics.statusChanged(from, to);
            if (to === 'solved') metrics.solved(after, resolutionSeconds, solvedWithinTarget(after, now));
          },
        };
      });
    },

    async comment(
      user: AuthUser,
      id: string,
      input: z.infer<typeof commentBody>,
    ): Promise<{ ticket: Ticket; comment: Comment }> {
      if (input.internal && !canWriteInternalNote(user))
        throw new AppError('FORBIDDEN', {
          message: 'Only agents and admins write internal notes',
          details: [{ field: 'internal', message: 'may be true for agents and admins only' }],
        });
      let comment: Comment | undefined;
      const ticket = await change(user, id, (current, now) => {
        assertNotClosed(current);
        // Decided on the version the write is conditional on: parallel comments cannot overshoot.
        assertRoomForComment(current, limits);
        comment = {
          id: new mongo.ObjectId().toHexString(),
          authorId: user.id,
          body: input.body,
          internal: input.internal,
          createdAt: now,
        };
        const history = entry(user.id, 'commented', now, {
          commentId: comment.id,
          internal: comment.internal,
        });
        // A public answer of staff is a first response; an internal note or the requester's is not.
        const response = isStaff(user) && !comment.internal ? onResponse(current, now) : {};
        const after: Ticket = {
          ...current,
          updatedAt: now,
          ...response,
          comments: [...current.comments, comment],
          history: [...current.history, history],
          version: current.version + 1,
        };
        return {
          update: { $set: { updatedAt: now, ...response }, $push: { comments: comment, history } },
          events: [ticketCommented(after, comment)],
          after,
          record: () => recordFirstResponse(after, response),
        };
      });
      return { ticket, comment: comment as Comment };
    },
  };
}
