import type { Status } from './ticket';

/**
 * The ticket state machine (issue 17). Closed is final: a follow-up is a new ticket.
 * Assignment never changes the status.
 */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  open: ['in_progress', 'pending', 'solved'],
  in_progress: ['open', 'pending', 'solved'],
  pending: ['in_progress', 'solved'],
  solved: ['in_progress', 'closed'],
  closed: [],
};

export function allowedTransitions(from: Status): readonly Status[] {
  return TRANSITIONS[from];
}

export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}
