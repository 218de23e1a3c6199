/**
 * Slow agents (`--slow-agents`): a share of the tickets reaching an agent's queue (new tickets
 * to assign, assigned tickets to solve) wait a random time before the agent touches them, so the
 * first-response and resolution times spread out and tickets breach their service levels, as on a
 * busy desk. A waiting ticket is skipped, not slept on: the open-loop schedule and the latencies
 * the report measures stay those of the requests themselves.
 */
export interface SlowAgents {
  /** Share (0 to 1) of the tickets an agent gets to late. */
  share: number;
  /** Longest wait, in milliseconds; each late ticket waits a uniform random time up to it. */
  maxDelayMs: number;
}

/** A ticket in an agent's queue: untouchable before `notBefore` (epoch milliseconds). */
export interface Queued {
  notBefore?: number;
}

/** Puts a ticket in an agent's queue, late with probability `share`. */
export function enqueue<T extends Queued>(
  queue: T[],
  ticket: T,
  slow: SlowAgents,
  now = Date.now(),
  random: () => number = Math.random,
): void {
  if (slow.share > 0 && random() < slow.share) ticket.notBefore = now + random() * slow.maxDelayMs;
  else delete ticket.notBefore;
  queue.push(ticket);
}

/** Whether an agent may touch the ticket now. */
export const isDue = (ticket: Queued, now = Date.now()): boolean => (ticket.notBefore ?? 0) <= now;

/** Removes and returns the oldest ticket of the queue an agent may touch now. */
export function takeDue<T extends Queued>(queue: T[], now = Date.now()): T | undefined {
  const index = queue.findIndex((ticket) => isDue(ticket, now));
  return index < 0 ? undefined : queue.splice(index, 1)[0];
}
