import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, list, single, variables } from './panels';

const S = 'service=~"$service"';

/** What Prometheus's alert rules say right now (firing and pending). */
export function alerts() {
  return board(
    'sc-alerts',
    'Support Center / Alerts',
    'Firing and pending alerts of prometheus/alerts, by severity and service.',
  )
    .variables(variables().slice(0, 1))
    .withRow(new RowBuilder('Now'))
    .withPanel(
      single({
        title: 'Critical firing',
        description: 'Critical alerts firing now.',
        unit: 'none',
        alert: undefined,
        queries: [{ expr: `count(ALERTS{alertstate="firing", severity="critical", ${S}}) or vector(0)` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Warnings firing',
        description: 'Warning alerts firing now.',
        unit: 'none',
        queries: [{ expr: `count(ALERTS{alertstate="firing", severity="warning", ${S}}) or vector(0)` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Pending',
        description: 'Alerts whose condition holds but whose `for` has not elapsed yet.',
        unit: 'none',
        queries: [{ expr: `count(ALERTS{alertstate="pending", ${S}}) or vector(0)` }],
        width: 8,
      }),
    )
    .withPanel(
      list({
        title: 'Firing',
        description: 'Every firing alert with its labels; runbooks are in docs/runbooks.md.',
        unit: 'none',
        queries: [{ expr: `ALERTS{alertstate="firing", ${S}}` }],
      }),
    )
    .withPanel(
      list({
        title: 'Pending',
        description: 'Every pending alert with its labels.',
        unit: 'none',
        queries: [{ expr: `ALERTS{alertstate="pending", ${S}}` }],
      }),
    )
    .withRow(new RowBuilder('History'))
    .withPanel(
      graph({
        title: 'Alerts over time',
        description: 'Alerts firing (solid) and pending, by name and service.',
        unit: 'none',
        width: 24,
        queries: [
          {
            expr: `sum by (alertname, service) (ALERTS{alertstate="firing", ${S}})`,
            legend: 'firing {{alertname}} {{service}}',
          },
          {
            expr: `sum by (alertname, service) (ALERTS{alertstate="pending", ${S}})`,
            legend: 'pending {{alertname}} {{service}}',
          },
        ],
      }),
    );
}
