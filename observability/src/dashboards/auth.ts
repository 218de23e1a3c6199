import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, quantile, single, variables } from './panels';

const A = 'job=~"$service", instance=~"$instance"';

/** The auth service's business families: logins and sessions. */
export function auth() {
  return board('sc-auth', 'Support Center / Auth', 'Login attempts, failures, login duration and sessions.')
    .variables(variables('auth'))
    .withRow(new RowBuilder('Logins'))
    .withPanel(
      single({
        title: 'Login failure ratio',
        description:
          'Failed or locked-out logins over all attempts in the last 10 minutes. HighAuthFailureRate fires above 20% for 10 minutes.',
        unit: 'percentunit',
        alert: 'HighAuthFailureRate',
        queries: [
          {
            expr: `sum(rate(auth_attempts_total{${A}, status!="success"}[10m])) / sum(rate(auth_attempts_total{${A}}[10m]))`,
          },
        ],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Active sessions',
        description: 'Sessions neither expired nor revoked.',
        unit: 'none',
        queries: [{ expr: `sum(max by (role) (active_user_sessions{${A}}))` }],
        width: 8,
      }),
    )
    .withPanel(
      single({
        title: 'Logins (1h)',
        description: 'Login attempts in the last hour.',
        unit: 'none',
        queries: [{ expr: `sum(increase(auth_attempts_total{${A}}[1h]))` }],
        width: 8,
      }),
    )
    .withPanel(
      graph({
        title: 'Login attempts',
        description: 'Login attempts per second, by method and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (method, status) (rate(auth_attempts_total{${A}}[$__rate_interval]))`,
            legend: '{{method}} {{status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Login duration p95',
        description: '95th percentile of a login attempt, credential check included, by method.',
        unit: 's',
        queries: [{ expr: quantile(0.95, 'auth_duration_seconds', A, 'method'), legend: '{{method}}' }],
      }),
    )
    .withRow(new RowBuilder('Sessions'))
    .withPanel(
      graph({
        title: 'Active sessions by role',
        description: 'Sessions neither expired nor revoked, by role.',
        unit: 'none',
        queries: [{ expr: `max by (role) (active_user_sessions{${A}})`, legend: '{{role}}' }],
      }),
    )
    .withPanel(
      graph({
        title: 'Session lifetime',
        description: 'Median lifetime of ended sessions, by role.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (role, le) (rate(session_duration_seconds_bucket{${A}}[1h])))`,
            legend: '{{role}}',
          },
        ],
      }),
    );
}
