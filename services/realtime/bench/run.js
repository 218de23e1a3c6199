// 5,000 concurrent /chat connections on one realtime instance: memory per connection, broadcast
// latency (post → every member's frame) and notification latency (ticket event produced to Kafka
// → /ws/notifications frame), measured while those connections stay open.
// Usage: npm run bench -w services/realtime [-- --connections 5000 --messages 40 --events 200]
// Uses the engines KAFKA_BROKERS and MONGO_URL name, or starts its own on free ports.
// Loopback only; bounded: every phase has a deadline and the run ends by itself.
const fs = require('node:fs');
const { randomBytes } = require('node:crypto');
const { Kafka, logLevel } = require('kafkajs');
const WebSocket = require('ws');
const { createEvent } = require('@support-center/events');
const {
  benchArgs,
  benchEngines,
  percentile,
  startServiceProcess,
  startTestIssuer,
  waitFor,
} = require('@support-center/testing');

const args = benchArgs();
const CONNECTIONS = Number(args.connections ?? 5000);
const MESSAGES = Number(args.messages ?? 40);
const EVENTS = Number(args.events ?? 200);
const BATCH = 250;
const PHASE_TIMEOUT_MS = 120_000;

/** Resident memory of a process, in bytes (Linux). */
function rssOf(pid) {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line[1]) * 1024;
}

function summary(values) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  };
}

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function deadline(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no end within ${PHASE_TIMEOUT_MS} ms`)),
      PHASE_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const engine = await benchEngines('realtime');
  const issuer = await startTestIssuer();
  const id = randomBytes(4).toString('hex');
  const prefix = `bench-${id}.`;
  const service = await startServiceProcess(
    'realtime',
    {
      MONGO_URL: engine.mongo,
      MONGO_DB: `realtime_bench_${id}`,
      KAFKA_BROKERS: engine.kafka,
      KAFKA_TOPIC_PREFIX: prefix,
      AUTH_JWKS_URL: issuer.jwksUrl,
      CHAT_RATE_BURST: '1000',
      WRITE_RATE_LIMIT: '0',
    },
    { until: '/ready', timeoutMs: 60_000 },
  );
  const kafka = new Kafka({
    clientId: 'realtime-bench',
    brokers: engine.kafka.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const publish = async (type, data, topic) => {
    const event = createEvent(type, data, { source: '/support-center/bench' });
    await producer.send({
      topic: `${prefix}${topic}`,
      messages: [{ key: event.subject, value: JSON.stringify(event) }],
    });
    return event;
  };
  const sockets = [];
  const results = { connections: CONNECTIONS };
  try {
    const ticketId = `bench-${id}`;
    const requester = { id: 'u-requester', username: 'requester', role: 'employee' };
    await publish('ticket.created', ticketData(ticketId, requester), 'tickets');
    const adminToken = await issuer.token({ id: 'u-admin', username: 'admin', role: 'admin' });
    await waitFor(
      async () =>
        (
          await fetch(`${service.url}/api/v1/chat/${ticketId}/messages`, {
            headers: { authorization: `Bearer ${adminToken}` },
          })
        ).status === 200,
      { timeoutMs: 30_000, message: 'ticket projected' },
    );

    // 1. Connections: open and join in batches, then read the server's resident memory.
    await new Promise((done) => setTimeout(done, 2000));
    const rssBefore = rssOf(service.child.pid);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        issuer.token({ id: `u-agent-${i}`, username: `agent${i}`, role: 'agent' }, { expiresIn: '1h' }),
      ),
    );
    const received = new Map(); // body → receive times
    const openedAt = performance.now();
    for (let start = 0; start < CONNECTIONS; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, CONNECTIONS - start) }, async (_, j) => {
        const ws = await open(
          `${service.url.replace('http', 'ws')}/chat?client=web&token=${tokens[(start + j) % tokens.length]}`,
        );
        sockets.push(ws);
        const joined = new Promise((done) => {
          ws.on('message', (raw) => {
            const frame = JSON.parse(raw);
            if (frame.type === 'history') done();
            else if (frame.type === 'message') {
              let times = received.get(frame.body);
              if (!times) received.set(frame.body, (times = []));
              times.push(performance.now());
            }
          });
        });
        ws.send(JSON.stringify({ type: 'join', ticketId }));
        await joined;
      });
      await deadline(Promise.all(batch), 'connect');
    }
    results.connectAndJoinSeconds = (performance.now() - openedAt) / 1000;
    await new Promise((done) => setTimeout(done, 3000));
    const rssAfter = rssOf(service.child.pid);
    results.rssBeforeMiB = rssBefore / 2 ** 20;
    results.rssAfterMiB = rssAfter / 2 ** 20;
    results.bytesPerConnection = Math.round((rssAfter - rssBefore) / CONNECTIONS);

    // 2. Broadcast: one member posts; latency to each member's frame, and to the last one.
    const poster = sockets[0];
    const sentAt = new Map();
    for (let i = 0; i < MESSAGES; i++) {
      const body = `bench ${i}`;
      sentAt.set(body, performance.now());
      poster.send(JSON.stringify({ type: 'message', ticketId, body }));
      await deadline(
        waitFor(() => (received.get(body)?.length ?? 0) >= CONNECTIONS, {
          timeoutMs: PHASE_TIMEOUT_MS,
          intervalMs: 5,
        }),
        'broadcast',
      );
      await new Promise((done) => setTimeout(done, 100));
    }
    const each = [];
    const last = [];
    for (const [body, sent] of sentAt) {
      const times = received.get(body);
      for (const t of times) each.push(t - sent);
      last.push(Math.max(...times) - sent);
    }
    results.broadcastEachMs = summary(each);
    results.broadcastLastMs = summary(last);

    // 3. Notifications: ticket events produced to Kafka → the assignee's /ws/notifications frame.
    const notified = { id: 'u-bench-agent', username: 'bench-agent', role: 'agent' };
    const notify = await open(
      `${service.url.replace('http', 'ws')}/ws/notifications?client=web&token=${await issuer.token(notified)}`,
    );
    sockets.push(notify);
    const arrived = new Map();
    notify.on('message', (raw) => {
      const frame = JSON.parse(raw);
      if (frame.type === 'notification') arrived.set(frame.data.ticketId, performance.now());
    });
    const produced = new Map();
    for (let i = 0; i < EVENTS; i++) {
      const eventTicket = `${ticketId}-n${i}`;
      produced.set(eventTicket, performance.now());
      // Assigned at creation: news to the assignee (nobody is notified of their own action).
      await publish('ticket.created', ticketData(eventTicket, requester, notified.id), 'tickets');
      await new Promise((done) => setTimeout(done, 20));
    }
    await deadline(
      waitFor(() => arrived.size >= EVENTS, { timeoutMs: PHASE_TIMEOUT_MS }),
      'notifications',
    );
    results.notificationMs = summary([...produced].map(([t, at]) => arrived.get(t) - at));
  } finally {
    for (const ws of sockets) ws.terminate();
    await producer.disconnect();
    await service.stop();
    await issuer.close();
    await engine.stop();
  }
  const fmt = (s) => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (n=${s.n})`;
  console.log(JSON.stringify(results, null, 2));
  console.log(`
| measure | value |
| --- | --- |
| connections open and joined to one room | ${CONNECTIONS} in ${results.connectAndJoinSeconds.toFixed(1)} s |
| server RSS before → after | ${results.rssBeforeMiB.toFixed(0)} → ${results.rssAfterMiB.toFixed(0)} MiB |
| memory per connection (RSS delta / connections) | ${(results.bytesPerConnection / 1024).toFixed(1)} KiB |
| broadcast latency, post → each member's frame | ${fmt(results.broadcastEachMs)} |
| broadcast latency, post → last member's frame | ${fmt(results.broadcastLastMs)} |
| ticket event produced → notification frame | ${fmt(results.notificationMs)} |`);
}

function ticketData(ticketId, requester, assigneeId = null) {
  return {
    ticketId,
    number: 1,
    requesterId: requester.id,
    assigneeId,
    title: 'bench',
    category: 'other',
    priority: 'low',
    status: 'open',
    createdAt: new Date().toISOString(),
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
