import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alerts } from './alerts';
import { auth } from './auth';
import { data } from './data';
import { files } from './files';
import { overview } from './overview';
import { realtime } from './realtime';
import { runtime } from './runtime';
import { tickets } from './tickets';

export { ALERT_THRESHOLDS, type ThresholdedAlert } from './thresholds';

/** Every dashboard, by the file name it is generated to under grafana/dashboards/. */
export const DASHBOARDS = { overview, tickets, auth, files, realtime, data, runtime, alerts } as const;

/** Builds every dashboard, with panel ids numbered in order so the JSON is stable. */
export function buildDashboards(): Record<string, Dashboard> {
  const built: Record<string, Dashboard> = {};
  for (const [name, build] of Object.entries(DASHBOARDS)) {
    const dashboard = build().build();
    (dashboard.panels ?? []).forEach((panel, index) => (panel.id = index + 1));
    built[name] = dashboard;
  }
  return built;
}
