// Finds, in the alert receiver's file, the first notification received after a moment that
// carries an alert with the given name, service label and status (firing or resolved), and
// prints one line: "<seconds after the moment> <severity> <runbook url>". Exits 1 when none came.
//   node find-notification.js FILE ALERTNAME SERVICE STATUS SINCE_EPOCH_SECONDS
'use strict';

const fs = require('node:fs');

const [file, alertname, service, status, since] = process.argv.slice(2);
const sinceMs = Number(since) * 1000;
const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
for (const line of lines) {
  const { receivedAt, payload } = JSON.parse(line);
  const at = Date.parse(receivedAt);
  if (at < sinceMs) continue;
  const alert = (payload.alerts || []).find(
    (a) =>
      a.labels && a.labels.alertname === alertname && a.labels.service === service && a.status === status,
  );
  if (alert) {
    const seconds = Math.round((at - sinceMs) / 1000);
    process.stdout.write(
      `${seconds} ${alert.labels.severity || '-'} ${alert.annotations?.runbook_url || '-'}\n`,
    );
    process.exit(0);
  }
}
process.exit(1);
