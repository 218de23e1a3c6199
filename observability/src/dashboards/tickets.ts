import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, single, variables } from './panels';

const T = 'job=~"$service", instance=~"$instance"';

/** The ticket service's business families. */
export function tickets() {
  return board(
    'sc-tickets',
    'Support Center / Tickets',
    'Tickets created, assigned, moved, solved, the open backlog, and the service levels.',
  )
    .variables(variables('ticket'))
    .withRow(new RowBuilder('Intake'))
    .withPanel(
      single({
        title: 'Tickets created (1h)',
        description: 'Tickets created in the last hour. NoTicketsCreated fires after an hour at 0.',
        unit: 'none',
        queries: [{ expr: `sum(increase(ticket_created_total{${T}}[1h]))` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Open tickets',
        description: 'Tickets not yet closed.',
        unit: 'none',
        queries: [{ expr: `sum(max by (status) (tickets_open_by_status{${T}}))` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Solved (24h)',
        description: 'Tickets solved in the last 24 hours.',
        unit: 'none',
        queries: [{ expr: `sum(increase(ticket_solved_total{${T}}[24h]))` }],
        width: 8,
      }),
    )
    .withPanel(
      graph({
        title: 'Created by category and priority',
        description: 'Tickets created per hour, by category and priority.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (category, priority) (rate(ticket_created_total{${T}}[$__rate_interval])) * 3600`,
            legend: '{{category}} {{priority}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Created by role',
        description: 'Tickets created per hour, by the role of whoever created them.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (created_by_role) (rate(ticket_created_total{${T}}[$__rate_interval])) * 3600`,
            legend: '{{created_by_role}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Flow'))
    .withPanel(
      graph({
        title: 'Assignments',
        description: 'Assignments to an agent per hour, by category and priority.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (category, priority) (rate(ticket_assigned_total{${T}}[$__rate_interval])) * 3600`,
            legend: '{{category}} {{priority}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Status changes',
        description: 'Status transitions per hour.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (from_status, to_status) (rate(ticket_status_changed_total{${T}}[$__rate_interval])) * 3600`,
            legend: '{{from_status}} → {{to_status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Solved by resolution time',
        description: 'Tickets solved per hour, by how long they were open.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (resolution_time_bucket) (rate(ticket_solved_total{${T}}[$__rate_interval])) * 3600`,
            legend: '{{resolution_time_bucket}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Resolution time',
        description:
          'Median and 95th percentile of the time from opened to solved, by priority, over the last day.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (priority, le) (rate(ticket_resolution_time_seconds_bucket{${T}}[1d])))`,
            legend: 'p50 {{priority}}',
          },
          {
            expr: `histogram_quantile(0.95, sum by (priority, le) (rate(ticket_resolution_time_seconds_bucket{${T}}[1d])))`,
            legend: 'p95 {{priority}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Backlog'))
    .withPanel(
      graph({
        title: 'Open by status',
        description: 'Tickets not yet closed, by status.',
        unit: 'none',
        queries: [{ expr: `max by (status) (tickets_open_by_status{${T}})`, legend: '{{status}}' }],
      }),
    )
    .withPanel(
      graph({
        title: 'Open by priority',
        description: 'Tickets not yet solved or closed, by priority.',
        unit: 'none',
        queries: [{ expr: `max by (priority) (tickets_open_by_priority{${T}})`, legend: '{{priority}}' }],
      }),
    )
    .withRow(new RowBuilder('Service levels'))
    .withPanel(
      single({
        title: 'Overdue now',
        description:
          'Open tickets past their first-response or resolution due time right now (a ticket late on both counts twice).',
        unit: 'none',
        // Counted in the database: every replica reports the same value, so take one.
        queries: [{ expr: `sum(max by (priority, target) (tickets_overdue{${T}}))` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'SLA breaches (1h)',
        description: 'Tickets that breached a first-response or resolution target in the last hour.',
        unit: 'none',
        queries: [{ expr: `sum(increase(ticket_sla_breaches_total{${T}}[1h]))` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Breaches per solved ticket (1h)',
        description:
          'SLA breaches over tickets solved, both in the last hour (none solved counts as one). TicketSlaBreachRateHigh fires above the red line for 15 minutes.',
        unit: 'percentunit',
        queries: [
          {
            expr:
              `sum(increase(ticket_sla_breaches_total{${T}}[1h]))` +
              ` / clamp_min(sum(increase(ticket_solved_total{${T}}[1h])) or vector(0), 1)`,
          },
        ],
        alert: 'TicketSlaBreachRateHigh',
        width: 8,
      }),
    )
    .withPanel(
      graph({
        title: 'Overdue by priority and target',
        description: 'Open tickets past a due time right now, by priority and target.',
        unit: 'none',
        queries: [
          {
            expr: `max by (priority, target) (tickets_overdue{${T}})`,
            legend: '{{priority}} {{target}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'SLA breaches by priority',
        description:
          'Breaches per hour, by priority and target; each ticket breaches each target at most once.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (priority, target) (rate(ticket_sla_breaches_total{${T}}[$__rate_interval])) * 3600`,
            legend: '{{priority}} {{target}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'First response time',
        description:
          'Median and 95th percentile of the time from opened to first response (assignment or first public agent reply), by priority, over the last hour.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (priority, le) (rate(ticket_first_response_time_seconds_bucket{${T}}[1h])))`,
            legend: 'p50 {{priority}}',
          },
          {
            expr: `histogram_quantile(0.95, sum by (priority, le) (rate(ticket_first_response_time_seconds_bucket{${T}}[1h])))`,
            legend: 'p95 {{priority}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Solved within target',
        description:
          'Share of the tickets solved in the last hour that met their resolution target, by priority. A priority whose solved tickets all missed shows 0.',
        unit: 'percentunit',
        queries: [
          {
            expr:
              `(sum by (priority) (rate(ticket_solved_within_target_total{${T}}[1h]))` +
              ` or 0 * sum by (priority) (rate(ticket_resolution_time_seconds_count{${T}}[1h])))` +
              ` / sum by (priority) (rate(ticket_resolution_time_seconds_count{${T}}[1h]))`,
            legend: '{{priority}}',
          },
        ],
        min: 0,
        max: 1,
      }),
    );
}
