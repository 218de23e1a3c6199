// Reads the `tickets` topic's messages (one JSON envelope a line, on stdin) and the store's
// writes of a window (count-writes.js's JSON, in FILE), and prints what was published of them:
//   "<tickets stored> <their ticket.created published> <comments stored> <their ticket.commented published>"
//   node match-events.js FILE < messages
'use strict';

const fs = require('node:fs');
const readline = require('node:readline');

const stored = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const created = new Set();
const commented = new Set();
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    return; // a log line of the console consumer
  }
  if (event.type === 'ticket.created') created.add(event.subject);
  if (event.type === 'ticket.commented' && event.data) commented.add(event.data.commentId);
});
lines.on('close', () => {
  const ticketsPublished = stored.tickets.filter((id) => created.has(id)).length;
  const commentsPublished = stored.comments.filter((id) => commented.has(id)).length;
  process.stdout.write(
    `${stored.tickets.length} ${ticketsPublished} ${stored.comments.length} ${commentsPublished}\n`,
  );
});
