// The rehearsal's alert receiver (npm run rehearse): Alertmanager's webhook posts here
// (ALERT_WEBHOOK_URL), and each notification is appended to a file as one JSON line with the
// time it arrived. It also serves the repository's docs/ folder, so the runbook link an alert
// carries (RUNBOOK_BASE_URL pointed here) can be followed and checked.
// Plain Node.js, no dependency.   node alert-receiver.js PORT NOTIFICATIONS_FILE DOCS_DIR
'use strict';

const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { URL } = require('node:url');

const [port, notificationsFile, docsDir] = process.argv.slice(2);
if (!port || !notificationsFile || !docsDir) {
  process.stderr.write('usage: node alert-receiver.js PORT NOTIFICATIONS_FILE DOCS_DIR\n');
  process.exit(2);
}
const docsRoot = path.resolve(docsDir);

function serveDoc(url, res) {
  const relative = decodeURIComponent(url.pathname.slice('/docs/'.length));
  const file = path.resolve(docsRoot, relative);
  // Only files inside docs/: a runbook link must not reach anything else of this machine.
  if (!file.startsWith(`${docsRoot}${path.sep}`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://receiver');
  if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200).end('ok');
    return;
  }
  if (req.method === 'GET' && url.pathname.startsWith('/docs/')) {
    serveDoc(url, res);
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const line = JSON.stringify({ receivedAt: new Date().toISOString(), payload });
      fs.appendFileSync(notificationsFile, `${line}\n`);
      res.writeHead(200).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.listen(Number(port), '0.0.0.0');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
