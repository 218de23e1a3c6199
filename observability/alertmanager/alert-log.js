// The default Alertmanager receiver of docker-compose.prod.yml: a webhook that writes every
// notification it receives to its log, one line per alert, so an unconfigured stack shows its
// alerts (`docker compose -f docker-compose.prod.yml logs alert-log`) instead of losing them.
// Set ALERT_WEBHOOK_URL in .env to deliver them to a paging or chat integration instead.
// Plain Node.js with no dependency: it runs in the stock node image.
'use strict';

const { Buffer } = require('node:buffer');
const http = require('node:http');

const port = Number(process.env.PORT || 5001);
const MAX_BODY = 1024 * 1024;

/** One readable line per alert of an Alertmanager webhook payload (version 4). */
function lines(payload) {
  return (payload.alerts || []).map((alert) => {
    const labels = alert.labels || {};
    const annotations = alert.annotations || {};
    const where = Object.entries(labels)
      .filter(([name]) => !['alertname', 'severity', 'runbook_base_url'].includes(name))
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
    return [
      `${String(alert.status || payload.status).toUpperCase()} ${labels.severity || '-'} ${labels.alertname || '-'}`,
      `receiver=${payload.receiver} ${where}`,
      annotations.summary || '',
      annotations.runbook_url ? `runbook: ${annotations.runbook_url}` : '',
    ]
      .filter(Boolean)
      .join(' | ');
  });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    try {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const line of lines(payload)) console.log(line);
      res.writeHead(200).end();
    } catch {
      console.log(`unreadable notification (${size} bytes) on ${req.url}`);
      res.writeHead(400).end();
    }
  });
});

server.listen(port, () => {
  console.log(
    `alert-log: logging every Alertmanager notification on :${port}; set ALERT_WEBHOOK_URL in .env to send them elsewhere`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)));
