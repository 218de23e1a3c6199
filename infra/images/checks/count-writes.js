// Runs inside a ticket container (docker exec -i … node - FROM TO < count-writes.js), with the
// service's own MONGO_URL and driver: prints as JSON the ids of the tickets and of the comments
// created between FROM and TO (ISO times), i.e. what the store holds of a window's writes.
'use strict';

// The driver the service uses, as mongoose ships it (the image has no top-level mongodb).
const { MongoClient } = require('mongoose').mongo;

async function main() {
  const [from, to] = process.argv.slice(2).map((value) => new Date(value));
  const client = new MongoClient(process.env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    const tickets = client.db(process.env.MONGO_DB || 'tickets').collection('tickets');
    const created = [];
    const comments = [];
    // Every ticket touched since FROM: its comments may be newer than the ticket.
    for await (const ticket of tickets.find({ updatedAt: { $gte: from } })) {
      if (ticket.createdAt >= from && ticket.createdAt <= to) created.push(String(ticket._id));
      for (const comment of ticket.comments || [])
        if (comment.createdAt >= from && comment.createdAt <= to) comments.push(String(comment.id));
    }
    process.stdout.write(JSON.stringify({ tickets: created, comments }));
  } finally {
    await client.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
