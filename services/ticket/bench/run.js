// Throughput and p99 of GET /api/v1/tickets/:id and POST /api/v1/tickets with ENABLE_METRICS on and
// off, in the same run: two service processes on the same engines, measured in alternating rounds.
// Usage: npm run bench -w services/ticket [-- --rounds 12 --duration 3 --connections 10]
// Uses the engines KAFKA_BROKERS and MONGO_URL name, or starts its own on free ports.
const os = require('node:os');
const { randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const { startService } = require('./service-process');
const {
  benchArgs,
  benchEngines,
  comparePaired,
  formatComparison,
  median,
  startTestIssuer,
} = require('@support-center/testing');

const args = benchArgs();
// Many short rounds, each compared with the other mode's round beside it: this machine's speed
// drifts over seconds, and pairs taken close together cancel the drift out.
const ROUNDS = Number(args.rounds ?? 12);
const DURATION = Number(args.duration ?? 3);
const CONNECTIONS = Number(args.connections ?? 10);
const WARMUP = 3;

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

async function main() {
  const engine = await benchEngines('ticket');
  const issuer = await startTestIssuer();
  const id = randomBytes(4).toString('hex');
  const common = {
    MONGO_URL: engine.mongo,
    MONGO_DB: `bench_tickets_${id}`,
    KAFKA_BROKERS: engine.kafka,
    KAFKA_TOPIC_PREFIX: `bench-${id}.`,
    AUTH_JWKS_URL: issuer.jwksUrl,
  };
  const services = {};
  try {
    services.on = await startService({ ...common, ENABLE_METRICS: 'true' });
    services.off = await startService({ ...common, ENABLE_METRICS: 'false' });
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
    const created = await (
      await fetch(`${services.on.url}/api/v1/tickets`, { method: 'POST', headers, body })
    ).json();
    const scenarios = {
      'GET /api/v1/tickets/:id': { path: `/api/v1/tickets/${created.id}`, method: 'GET' },
      'POST /api/v1/tickets': { path: '/api/v1/tickets', method: 'POST', body },
    };
    const results = {};
    for (const [name, s] of Object.entries(scenarios)) {
      for (const mode of ['on', 'off'])
        await run({
          url: services[mode].url + s.path,
          method: s.method,
          body: s.body,
          headers,
          duration: WARMUP,
        });
      results[name] = { on: [], off: [] };
      for (let round = 0; round < ROUNDS; round += 1) {
        // Alternate which goes first, so drift on a shared machine hits both alike.
        const order = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
        for (const mode of order) {
          const r = await run({
            url: services[mode].url + s.path,
            method: s.method,
            body: s.body,
            headers,
            duration: DURATION,
          });
          if (r.non2xx > 0 || r.errors > 0)
            throw new Error(`${name} (${mode}): ${r.non2xx} non-2xx, ${r.errors} errors`);
          results[name][mode].push({ rps: r.requests.average, p99: r.latency.p99 });
          process.stderr.write(
            `${name} metrics ${mode} round ${round + 1}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms\n`,
          );
        }
      }
    }
    const lines = [
      `${ROUNDS} rounds × ${DURATION} s per mode, ${CONNECTIONS} connections, medians of the rounds; "on vs off" is the median of each round's ratio to the off round beside it, with its 95 % confidence interval; node ${process.version}, ${os.cpus().length} cores`,
      '',
      '| endpoint | req/s metrics on | req/s metrics off | throughput on vs off | p99 on (ms) | p99 off (ms) |',
      '| --- | --- | --- | --- | --- | --- |',
    ];
    for (const [name, r] of Object.entries(results)) {
      const on = { rps: median(r.on.map((x) => x.rps)), p99: median(r.on.map((x) => x.p99)) };
      const off = { rps: median(r.off.map((x) => x.rps)), p99: median(r.off.map((x) => x.p99)) };
      const vsOff = formatComparison(
        comparePaired(
          r.on.map((x) => x.rps),
          r.off.map((x) => x.rps),
        ),
      );
      lines.push(
        `| ${name} | ${on.rps.toFixed(0)} | ${off.rps.toFixed(0)} | ${vsOff} | ${on.p99} | ${off.p99} |`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await issuer.close();
    await engine.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
