import { apiClient } from '../src/api';
import { parseOptions } from '../src/options';
import { runLoad } from '../src/run-load';
import {
  parseExposition,
  sampleValue,
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceProcess,
} from '@support-center/testing';

const ns = testNamespace('load');
const PASSWORD = 'load-test-password-1';

describe('npm run load', () => {
  const services: ServiceProcess[] = [];
  let urls: Record<'auth' | 'ticket' | 'file' | 'realtime', string>;

  beforeAll(async () => {
    const common = { KAFKA_TOPIC_PREFIX: ns.topicPrefix, WRITE_RATE_LIMIT: '0' };
    const auth = await startServiceProcess('auth', {
      ...serviceEnv(ns.database('auth')),
      ...common,
      AUTH_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    services.push(auth);
    const withAuth = { ...common, AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json` };
    // Two rooms per chat connection: the load's accounts chat on far more tickets than that.
    const own = { realtime: { CHAT_MAX_ROOMS_PER_CONNECTION: '2' } } as Record<
      string,
      Record<string, string>
    >;
    for (const name of ['ticket', 'file', 'realtime'] as const) {
      services.push(
        await startServiceProcess(name, { ...serviceEnv(ns.database(name)), ...withAuth, ...own[name] }),
      );
    }
    const [, ticket, file, realtime] = services as [
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
    ];
    urls = { auth: auth.url, ticket: ticket.url, file: file.url, realtime: realtime.url };
    for (const service of services) {
      await waitFor(async () => (await fetch(`${service.url}/ready`)).ok, {
        timeoutMs: 60_000,
        message: `${service.url} ready`,
      });
    }
    const login = await apiClient(urls).auth.POST('/api/v1/auth/login', {
      body: { username: 'admin', password: PASSWORD },
    });
    const admin = apiClient(urls, login.data?.accessToken);
    for (const [username, role] of [
      ['agent', 'agent'],
      ['employee', 'employee'],
      ['employee2', 'employee'],
    ] as const) {
      const created = await admin.auth.POST('/api/v1/users', {
        body: { username, role, password: PASSWORD },
      });
      expect(created.response.status).toBe(201);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('drives every kind of traffic, reports it, and the services count it', async () => {
    let output = '';
    const out = {
      isTTY: false,
      write: (chunk: string) => ((output += chunk), true),
    } as unknown as NodeJS.WriteStream;
    const options = {
      ...parseOptions(['--rate', '12', '--duration', '10'], { DEMO_PASSWORD: PASSWORD }),
      urls,
    };
    const report = await runLoad(options, out);

    expect(output).toMatch(/█+░*\s+100% 10\/10 s/);
    for (const action of ['create ticket', 'list tickets', 'missing ticket'])
      expect(output).toContain(`| ${action} |`);
    expect(report.unexpectedShare).toBeLessThan(0.2);
    // Every chat message came back: each action left the room it joined once answered.
    expect(output).toMatch(/\| chat message \| [1-9]\d* \| \d+ \| 0 \| 0 \|/);

    const ticketMetrics = parseExposition(await (await fetch(`${urls.ticket}/metrics`)).text());
    const created =
      ticketMetrics.get('ticket_created_total')?.samples.reduce((sum, s) => sum + s.value, 0) ?? 0;
    expect(created).toBeGreaterThan(0);
    expect(
      sampleValue(ticketMetrics, 'http_requests_total', { handler: '/api/v1/tickets/:id', status: '4xx' }),
    ).toBeGreaterThan(0);
  }, 120_000);

  it('leaves every ticket to a slow agent alone until its wait is over (--slow-agents 1)', async () => {
    const total = async (name: string) =>
      parseExposition(await (await fetch(`${urls.ticket}/metrics`)).text())
        .get(name)
        ?.samples.reduce((sum, s) => sum + s.value, 0) ?? 0;
    const [createdBefore, assignedBefore] = [
      await total('ticket_created_total'),
      await total('ticket_assigned_total'),
    ];
    const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    const options = {
      ...parseOptions(
        ['--rate', '12', '--duration', '5', '--slow-agents', '1', '--slow-delay', '1000000000'],
        {
          DEMO_PASSWORD: PASSWORD,
        },
      ),
      urls,
    };
    const report = await runLoad(options, quiet);

    expect(report.unexpectedShare).toBeLessThan(0.2);
    expect(await total('ticket_created_total')).toBeGreaterThan(createdBefore);
    // Every new ticket waits a random time up to 30 years: the agent assigns none within the run.
    expect(await total('ticket_assigned_total')).toBe(assignedBefore);
  }, 120_000);
});
