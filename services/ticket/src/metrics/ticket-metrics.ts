import { metricGuard } from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import { resolutionBucket } from '../domain/resolution';
import type { Category, Priority, Status } from '../domain/ticket';

type TicketInstruments = Pick<
  Instruments,
  | 'ticket_created_total'
  | 'ticket_assigned_total'
  | 'ticket_status_changed_total'
  | 'ticket_solved_total'
  | 'ticket_resolution_time_seconds'
  | 'ticket_first_response_time_seconds'
  | 'ticket_solved_within_target_total'
>;

export interface TicketMetrics {
  created(ticket: { category: Category; priority: Priority }, role: string): void;
  assigned(ticket: { category: Category; priority: Priority }): void;
  statusChanged(from: Status, to: Status): void;
  /** `withinTarget`: solved before the resolution target ran out. */
  solved(
    ticket: { category: Category; priority: Priority },
    resolutionSeconds: number,
    withinTarget: boolean,
  ): void;
  firstResponse(ticket: { category: Category; priority: Priority }, seconds: number): void;
}

/**
 * The ticket business families, recorded after the write they describe succeeded. Recording never
 * fails a request: an error here is logged and dropped.
 */
export function ticketMetrics(
  metrics: TicketInstruments,
  onError: (error: unknown) => void = () => undefined,
): TicketMetrics {
  const safely = metricGuard(onError).wrap;
  return {
    created: safely((ticket, role) =>
      metrics.ticket_created_total.add(1, {
        category: ticket.category,
        priority: ticket.priority,
        created_by_role: role,
      }),
    ),
    assigned: safely((ticket) =>
      metrics.ticket_assigned_total.add(1, { category: ticket.category, priority: ticket.priority }),
    ),
    statusChanged: safely((from, to) =>
      metrics.ticket_status_changed_total.add(1, { from_status: from, to_status: to }),
    ),
    solved: safely((ticket, seconds, withinTarget) => {
      metrics.ticket_solved_total.add(1, {
        category: ticket.category,
        resolution_time_bucket: resolutionBucket(seconds),
      });
      metrics.ticket_resolution_time_seconds.record(seconds, {
        category: ticket.category,
        priority: ticket.priority,
      });
      // Recorded for every priority even when 0, so the within-target share's numerator exists.
      metrics.ticket_solved_within_target_total.add(withinTarget ? 1 : 0, { priority: ticket.priority });
    }),
    firstResponse: safely((ticket, seconds) =>
      metrics.ticket_first_response_time_seconds.record(Math.max(0, seconds), {
        category: ticket.category,
        priority: ticket.priority,
      }),
    ),
  };
}
