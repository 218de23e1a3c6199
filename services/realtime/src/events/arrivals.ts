/** The next event about one ticket, awaited by a join; `cancel` when no longer wanted. */
export interface Arrival {
  /** True when an event about the ticket was applied here within `ms`, false after `ms`. */
  within(ms: number): Promise<boolean>;
  cancel(): void;
}

/**
 * Joins waiting for a ticket's events. The ticket projection learns of a ticket from the events,
 * so a frontend that opens a ticket's chat right after creating (or being assigned) it can be
 * ahead of them; its join waits for them a little instead of being told the ticket is unknown.
 * The fanout consumer calls `arrived` after each ticket event it applied.
 */
export function ticketArrivals() {
  const waiting = new Map<string, Set<() => void>>();

  function forget(ticketId: string, wake: () => void): void {
    const wakes = waiting.get(ticketId);
    wakes?.delete(wake);
    if (wakes?.size === 0) waiting.delete(ticketId);
  }

  return {
    arrived(ticketId: string): void {
      const wakes = waiting.get(ticketId);
      if (!wakes) return;
      waiting.delete(ticketId);
      for (const wake of wakes) wake();
    },

    /** Starts listening before the caller reads the projection, so no event falls in between. */
    next(ticketId: string): Arrival {
      let arrived = false;
      let onArrival: (() => void) | undefined;
      const wake = () => {
        arrived = true;
        onArrival?.();
      };
      let wakes = waiting.get(ticketId);
      if (!wakes) waiting.set(ticketId, (wakes = new Set()));
      wakes.add(wake);
      return {
        within(ms) {
          if (arrived) return Promise.resolve(true);
          return new Promise((resolve) => {
            const timer = setTimeout(() => {
              forget(ticketId, wake);
              resolve(false);
            }, ms);
            onArrival = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
        },
        cancel: () => forget(ticketId, wake),
      };
    },

    /** Joins waiting now, over all tickets (a test's and a gauge's view). */
    get size(): number {
      let total = 0;
      for (const wakes of waiting.values()) total += wakes.size;
      return total;
    },
  };
}

export type TicketArrivals = ReturnType<typeof ticketArrivals>;
