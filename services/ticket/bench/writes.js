// Ticket creations against the engine's raw write rate, in one run: POST /api/v1/tickets through a
// ticket service, and single-document inserts straight into the same MongoDB (through the local
// engine's write guard), in alternating rounds with the same number of requests in flight.
// Goal (issue 33): creations sustain at least half the raw insert rate.
// For context, a third side inserts the document a creation stores (a ticket as the service wrote
// it, with its ticket.created outbox entry) into a collection with the tickets' indexes: the
// engine's price for a creation's own insert, before the number, the relay and the service.
// Each side's CPU time (every process: the service, FerretDB, its write guard, Kafka and this one,
// the client) is read over its rounds, the relay's publishing after the answers included: on a
// machine the engines and the service share, the ratio can be no better than what a raw insert
// costs over what a creation costs.
// Usage: npm run bench -w services/ticket (runs this after run.js) or
//        node services/ticket/bench/writes.js [--rounds 10 --duration 3 --connections 10]
const os = require('node:os');
const { randomBytes, randomUUID } = require('node:crypto');
const autocannon = require('autocannon');
const { startService } = require('./service-process');
const mongoose = require('mongoose');
const { eventFixture, outboxFields } = require('@support-center/events');
const {
  benchArgs,
  benchEngines,
  comparePaired,
  cpuOfProcessTree,
  median,
  startTestIssuer,
  waitFor,
} = require('@support-center/testing');

const args = benchArgs();
const ROUNDS = Number(args.rounds ?? 10);
const DURATION = Number(args.duration ?? 3);
const CONNECTIONS = Number(args.connections ?? 10);
const GOAL = 0.5;

function creations(url, headers, body) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/v1/tickets`,
        method: 'POST',
        headers,
        body,
        connections: CONNECTIONS,
        duration: DURATION,
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.non2xx > 0 || result.errors > 0)
          return reject(new Error(`POST: ${result.non2xx} non-2xx, ${result.errors} errors`));
        resolve({ rate: result.requests.average, count: result.requests.total });
      },
    );
  });
}

/** Inserts (and their rate) with CONNECTIONS inserts in flight, each of the document `next()` gives. */
async function inserts(collection, next) {
  let done = 0;
  const until = Date.now() + DURATION * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        await collection.insertOne(next());
        done += 1;
      }
    }),
  );
  return { rate: done / ((performance.now() - started) / 1000), count: done };
}

/** The goal's baseline: a small document shaped like a ticket, into a collection without indexes. */
const rawInserts = (collection) =>
  inserts(collection, () => ({
    title: 'Bench',
    description: 'A benchmark ticket',
    category: 'software',
    priority: 'low',
    status: 'open',
    createdAt: new Date(),
  }));

/**
 * A collection like `tickets` (its indexes, read from it) and a source of documents like `stored`
 * (fresh `_id` and number) holding a ticket.created event in their outbox, as a creation writes them.
 */
async function ticketDocuments(tickets, target, stored) {
  for (const { key, name, unique } of await tickets.indexes()) {
    if (name !== '_id_') await target.createIndex(key, { name, unique: unique === true });
  }
  let number = 1_000_000_000;
  const { _id, ...fields } = stored;
  return () => ({
    ...fields,
    number: (number += 1),
    ...outboxFields([eventFixture('ticket.created', { id: randomUUID() })]),
  });
}

async function main() {
  const engine = await benchEngines('ticket-writes');
  const issuer = await startTestIssuer();
  const id = randomBytes(4).toString('hex');
  const database = `bench_writes_${id}`;
  const service = await startService({
    MONGO_URL: engine.mongo,
    MONGO_DB: database,
    KAFKA_BROKERS: engine.kafka,
    KAFKA_TOPIC_PREFIX: `bench-${id}.`,
    AUTH_JWKS_URL: issuer.jwksUrl,
  });
  const connection = await mongoose.createConnection(engine.mongo, { dbName: `bench_raw_${id}` }).asPromise();
  const tickets = connection.useDb(database).collection('tickets');
  try {
    const raw = connection.collection('inserts');
    const token = await issuer.token(
      { id: 'bench-employee', username: 'bench', role: 'employee' },
      { expiresIn: '2h' },
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = JSON.stringify({
      title: 'Bench',
      description: 'A benchmark ticket',
      category: 'software',
      priority: 'low',
    });
    // The relay publishes after the response: a round starts once the last round's outbox is empty,
    // so neither side pays for the other's leftovers. Pending entries are strings: a filter the
    // local FerretDB answers from SQL, rather than decoding every ticket at each look.
    const drained = () =>
      waitFor(async () => (await tickets.countDocuments({ _outbox: { $type: 'string' } })) === 0, {
        timeoutMs: 120_000,
        message: 'the outbox to drain',
      });
    await creations(service.url, headers, body);
    await rawInserts(raw);
    await drained();
    const documents = connection.collection('ticket_documents');
    const ticketDocument = await ticketDocuments(
      tickets,
      documents,
      await tickets.findOne({}, { projection: { _outbox: 0 } }),
    );
    const sides = {
      post: () => creations(service.url, headers, body),
      raw: () => rawInserts(raw),
      document: () => inserts(documents, ticketDocument),
    };
    const rates = { post: [], raw: [], document: [] };
    /** CPU seconds (by process) and operations of each side over all its rounds. */
    const cost = Object.fromEntries(Object.keys(sides).map((side) => [side, { parts: new Map(), count: 0 }]));
    for (let round = 0; round < ROUNDS; round += 1) {
      // Each side in each position of the round in turn, so a drifting machine favours none.
      const order = Object.keys(sides).map((_, i, names) => names[(i + round) % names.length]);
      for (const side of order) {
        const cpu = cpuOfProcessTree();
        const { rate, count } = await sides[side]();
        await drained();
        rates[side].push(rate);
        cost[side].count += count;
        for (const [part, seconds] of cpu.read())
          cost[side].parts.set(part, (cost[side].parts.get(part) ?? 0) + seconds);
      }
      process.stderr.write(
        `round ${round + 1}: POST ${rates.post.at(-1).toFixed(0)} req/s, raw ${rates.raw.at(-1).toFixed(0)} inserts/s, ticket documents ${rates.document.at(-1).toFixed(0)} inserts/s\n`,
      );
    }
    const { median: m, low, high } = comparePaired(rates.post, rates.raw);
    const ceiling = comparePaired(rates.document, rates.raw);
    const ratio = (x) => (1 + x).toFixed(2);
    /** Milliseconds of CPU per operation of a side, in all or in one process. */
    const cpuPer = (side, part) => {
      const { parts, count } = cost[side];
      const seconds = part ? (parts.get(part) ?? 0) : [...parts.values()].reduce((sum, x) => sum + x, 0);
      return (seconds * 1000) / count;
    };
    const creationParts = [...cost.post.parts.keys()]
      .filter((part) => cpuPer('post', part) >= 0.01)
      .sort((a, b) => cpuPer('post', b) - cpuPer('post', a))
      .map((part) => `${part === 'bench' ? 'client' : part} ${cpuPer('post', part).toFixed(2)}`)
      .join(', ');
    const verdict =
      1 + low >= GOAL ? 'met' : 1 + high < GOAL ? 'not met' : 'not shown (interval spans the goal)';
    process.stdout.write(
      [
        `${ROUNDS} rounds × ${DURATION} s per side, ${CONNECTIONS} in flight; node ${process.version}, ${os.cpus().length} cores`,
        '',
        '| measure | value |',
        '| --- | --- |',
        `| POST /api/v1/tickets (median of rounds) | ${median(rates.post).toFixed(0)} req/s |`,
        `| raw single-document inserts (median of rounds) | ${median(rates.raw).toFixed(0)} inserts/s |`,
        `| creations / raw inserts (median of paired rounds, 95 % CI) | ${ratio(m)} (${ratio(low)} … ${ratio(high)}) |`,
        `| goal ≥ ${GOAL} | ${verdict} |`,
        `| ticket documents alone, with the tickets' indexes (median of rounds) | ${median(rates.document).toFixed(0)} inserts/s |`,
        `| ticket documents / raw inserts (95 % CI): a creation's own insert | ${ratio(ceiling.median)} (${ratio(ceiling.low)} … ${ratio(ceiling.high)}) |`,
        `| CPU per creation, every process, publishing included | ${cpuPer('post').toFixed(2)} ms |`,
        `| … by process (ms) | ${creationParts} |`,
        `| CPU per raw insert, every process | ${cpuPer('raw').toFixed(2)} ms |`,
        `| CPU per ticket document insert | ${cpuPer('document').toFixed(2)} ms |`,
        `| raw insert CPU / creation CPU: the ratio's bound when the CPU is the limit | ${(cpuPer('raw') / cpuPer('post')).toFixed(2)} |`,
        '',
      ].join('\n'),
    );
  } finally {
    await connection.close();
    await service.stop();
    await issuer.close();
    await engine.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
