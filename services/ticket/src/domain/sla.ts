import type { SlaClock } from './sla-clock';
import { PRIORITIES, type Priority, type Status } from './ticket';

/**
 * Service levels (no I/O): each priority has a first-response target (met by the first
 * assignment to an agent or the first public comment of an agent or admin, whichever comes
 * first) and a resolution target (met by solving). `pending` pauses the resolution clock.
 */
export const SLA_TARGETS = ['first_response', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

export interface SlaPolicy {
  firstResponseMs: Readonly<Record<Priority, number>>;
  resolutionMs: Readonly<Record<Priority, number>>;
  /** The share of a target after which a warning is due, in (0, 1). */
  warningFraction: number;
  clock: SlaClock;
}

export type SlaFlags = Record<SlaTarget, boolean>;

/** What a ticket stores of its service levels. */
export interface SlaState {
  /** Kept after the first response, to compare; null only on tickets older than service levels. */
  responseDueAt: Date | null;
  responseWarnAt: Date | null;
  /** Null while the resolution clock is paused (pending). */
  resolutionDueAt: Date | null;
  resolutionWarnAt: Date | null;
  firstRespondedAt: Date | null;
  /** When the resolution clock was paused; null while it runs. */
  resolutionPausedAt: Date | null;
  /** Counted time the resolution clock was paused, in ms of the policy's clock. */
  resolutionPausedMs: number;
  slaWarned: SlaFlags;
  slaBreached: SlaFlags;
}

/** The statuses in which a clock can run out: solving stops both. */
export const RUNNING_STATUSES: readonly Status[] = ['open', 'in_progress', 'pending'];

export class SlaPolicyError extends Error {}

/**
 * Reads `low:24,medium:8,high:4,critical:1` (hours, fractions allowed): every priority once,
 * each a positive number of hours.
 */
export function parseHoursByPriority(text: string): Record<Priority, number> {
  const hours: Partial<Record<Priority, number>> = {};
  for (const pair of text.split(',').map((p) => p.trim())) {
    const [name, value, extra] = pair.split(':').map((p) => p.trim());
    if (!PRIORITIES.includes(name as Priority) || value === undefined || extra !== undefined)
      throw new SlaPolicyError(`"${pair}" is not <priority>:<hours> (priorities: ${PRIORITIES.join(', ')})`);
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n <= 0 || n > 24 * 366)
      throw new SlaPolicyError(`"${pair}": hours must be a positive number up to a year`);
    if (hours[name as Priority] !== undefined) throw new SlaPolicyError(`"${name}" is given twice`);
    hours[name as Priority] = n;
  }
  const missing = PRIORITIES.filter((p) => hours[p] === undefined);
  if (missing.length > 0) throw new SlaPolicyError(`no target for ${missing.join(', ')}`);
  return hours as Record<Priority, number>;
}

const HOUR = 3_600_000;

export function hoursToMs(hours: Readonly<Record<Priority, number>>): Record<Priority, number> {
  return Object.fromEntries(PRIORITIES.map((p) => [p, Math.round(hours[p] * HOUR)])) as Record<
    Priority,
    number
  >;
}

type Due = Pick<SlaState, 'responseDueAt' | 'responseWarnAt'>;
type ResolutionDue = Pick<SlaState, 'resolutionDueAt' | 'resolutionWarnAt'>;

function responseDue(createdAt: Date, priority: Priority, policy: SlaPolicy): Due {
  const target = policy.firstResponseMs[priority];
  return {
    responseDueAt: policy.clock.add(createdAt, target),
    responseWarnAt: policy.clock.add(createdAt, Math.round(target * policy.warningFraction)),
  };
}

/** The resolution due times: the target plus every paused stretch, counted from creation. */
function resolutionDue(
  createdAt: Date,
  priority: Priority,
  pausedMs: number,
  policy: SlaPolicy,
): ResolutionDue {
  const target = policy.resolutionMs[priority];
  return {
    resolutionDueAt: policy.clock.add(createdAt, target + pausedMs),
    resolutionWarnAt: policy.clock.add(createdAt, Math.round(target * policy.warningFraction) + pausedMs),
  };
}

const NONE: SlaFlags = { first_response: false, resolution: false };

/** A new ticket's service levels. */
export function initialSla(createdAt: Date, priority: Priority, policy: SlaPolicy): SlaState {
  return {
    ...responseDue(createdAt, priority, policy),
    ...resolutionDue(createdAt, priority, 0, policy),
    firstRespondedAt: null,
    resolutionPausedAt: null,
    resolutionPausedMs: 0,
    slaWarned: { ...NONE },
    slaBreached: { ...NONE },
  };
}

/** A ticket as far as its service levels go; fields are missing on tickets older than them. */
export interface SlaTicket extends Partial<SlaState> {
  createdAt: Date;
  priority: Priority;
  status: Status;
}

/**
 * The fields a priority change rewrites: both due times follow the new priority's targets,
 * except a first response already given (its due time stays, to compare) and a paused clock
 * (computed when it resumes).
 */
export function onPriorityChange(
  ticket: SlaTicket,
  priority: Priority,
  policy: SlaPolicy,
): Partial<SlaState> {
  return {
    ...(ticket.firstRespondedAt ? {} : responseDue(ticket.createdAt, priority, policy)),
    ...(ticket.resolutionPausedAt
      ? {}
      : resolutionDue(ticket.createdAt, priority, ticket.resolutionPausedMs ?? 0, policy)),
  };
}

/**
 * The fields a status change rewrites. Entering `pending` pauses the resolution clock unless it
 * already ran out (a breach stays a breach); leaving `pending` resumes it, the due times moved
 * by the counted time it was paused.
 */
export function onStatusChange(
  ticket: SlaTicket,
  to: Status,
  now: Date,
  policy: SlaPolicy,
): Partial<SlaState> {
  const paused = ticket.resolutionPausedAt ?? null;
  if (to === 'pending' && !paused) {
    const due = ticket.resolutionDueAt ?? null;
    if (due && now >= due) return {};
    return { resolutionPausedAt: now, resolutionDueAt: null, resolutionWarnAt: null };
  }
  if (to !== 'pending' && paused) {
    const pausedMs = (ticket.resolutionPausedMs ?? 0) + policy.clock.between(paused, now);
    return {
      resolutionPausedAt: null,
      resolutionPausedMs: pausedMs,
      ...resolutionDue(ticket.createdAt, ticket.priority, pausedMs, policy),
    };
  }
  return {};
}

/** The first response, when this is it: its time. */
export function onResponse(ticket: SlaTicket, now: Date): Partial<SlaState> {
  return ticket.firstRespondedAt ? {} : { firstRespondedAt: now };
}

/** Solved within the resolution target: never breached, and not past due now. */
export function solvedWithinTarget(ticket: SlaTicket, now: Date): boolean {
  if (ticket.slaBreached?.resolution) return false;
  const due = ticket.resolutionDueAt ?? null;
  return due === null || now <= due;
}

/** Which of the ticket's targets are breached (as the API shows them). */
export function breaches(ticket: Partial<SlaState>): SlaFlags {
  return { ...NONE, ...ticket.slaBreached };
}
