import { request as httpRequest, Agent } from 'node:http';
import {
  parseExposition,
  serviceEnv,
  startServiceProcess,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceName,
  type ServiceProcess,
  type TestIssuer,
  type TestNamespace,
  type TestUser,
} from '@support-center/testing';

/** The callers the fuzzers act as, one per role (and a second employee for access checks). */
export const FUZZ_USERS = {
  employee: { id: 'fuzz-employee', username: 'fuzz-employee', role: 'employee' },
  other: { id: 'fuzz-employee2', username: 'fuzz-employee2', role: 'employee' },
  agent: { id: 'fuzz-agent', username: 'fuzz-agent', role: 'agent' },
  admin: { id: 'fuzz-admin', username: 'fuzz-admin', role: 'admin' },
} as const satisfies Record<string, TestUser>;
export type FuzzWho = keyof typeof FUZZ_USERS;

export interface FuzzStack {
  ns: TestNamespace;
  issuer: TestIssuer;
  tokens: Record<FuzzWho, string>;
  service(name: ServiceName): ServiceProcess;
  /** Stops every process; resolves with their exit codes by name. */
  stop(): Promise<Record<string, number | null>>;
}

export interface FuzzStackOptions {
  /** Extra environment of every process, then of one service. */
  env?: Record<string, string>;
  envOf?: Partial<Record<ServiceName, Record<string, string>>>;
}

/**
 * The services as real processes (`dist/main.js`, as `npm start` runs them) on one namespace,
 * verifying tokens from a test issuer, each waited for until /ready answers 200 so that a 503
 * seen later is the service's answer to the input and not a dependency still connecting.
 */
export async function startFuzzStack(
  names: ServiceName[],
  label: string,
  options: FuzzStackOptions = {},
): Promise<FuzzStack> {
  const ns = testNamespace(label);
  const issuer = await startTestIssuer();
  const started: Partial<Record<ServiceName, ServiceProcess>> = {};
  try {
    await Promise.all(
      names.map(async (name) => {
        started[name] = await startServiceProcess(name, {
          ...serviceEnv(ns.database(name)),
          S3_BUCKET: ns.bucket(name),
          KAFKA_TOPIC_PREFIX: ns.topicPrefix,
          KAFKA_TOPIC_PARTITIONS: '1',
          AUTH_JWKS_URL: issuer.jwksUrl,
          // Thousands of writes from one address are the point here; the limiter has its own test.
          WRITE_RATE_LIMIT: '0',
          OUTBOX_POLL_INTERVAL_MS: '200',
          ...options.env,
          ...options.envOf?.[name],
        });
      }),
    );
    await Promise.all(Object.values(started).map((service) => waitReady(service)));
  } catch (error) {
    await Promise.all(Object.values(started).map((s) => s.stop('SIGKILL')));
    await issuer.close();
    throw error;
  }
  const tokens = Object.fromEntries(
    await Promise.all(
      Object.entries(FUZZ_USERS).map(async ([who, user]) => [
        who,
        await issuer.token(user, { expiresIn: '2h' }),
      ]),
    ),
  ) as Record<FuzzWho, string>;

  return {
    ns,
    issuer,
    tokens,
    service(name) {
      const service = started[name];
      if (!service) throw new Error(`${name} is not part of this stack`);
      return service;
    },
    async stop() {
      const codes: Record<string, number | null> = {};
      await Promise.all(
        Object.entries(started).map(async ([name, service]) => (codes[name] = await service.stop('SIGTERM'))),
      );
      await issuer.close();
      return codes;
    },
  };
}

export async function waitReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await fetch(`${service.url}/ready`).catch(() => undefined))?.status === 200, {
    timeoutMs,
    intervalMs: 200,
    message: `${service.name} /ready to answer 200`,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Sent as is: no normalisation or percent-encoding (unlike fetch). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  token?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** One HTTP exchange on a raw path; the body is read whole (answers here are small). */
export function send(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...req.headers };
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** Sends JSON (any value, or a raw JSON text) with the caller's token. */
export function sendJson(
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<RawResponse> {
  return send(baseUrl, {
    method,
    path,
    token,
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * The error contract (docs/architecture.md): never a 5xx for anything a client sends, and every 4xx is
 * `{"error":{"code","message","details?"}}` served as JSON. Throws with the exchange otherwise,
 * so fast-check reports (and shrinks to) the input that broke it.
 */
export function assertContract(res: RawResponse, what: string): void {
  const show = () => `${what} → ${res.status} ${res.text.slice(0, 400)}`;
  if (res.status >= 500 || res.status < 100) throw new Error(`server error: ${show()}`);
  if (res.status < 400) return;
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) throw new Error(`4xx not served as JSON (${type}): ${show()}`);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new Error(`4xx body is not JSON: ${show()}`);
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string')
    throw new Error(`4xx body lacks error.code/error.message: ${show()}`);
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extra.length > 0) throw new Error(`error has unexpected keys ${extra.join(', ')}: ${show()}`);
}

/** The service still answers /health and its process has not exited. */
export async function assertAlive(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null)
    throw new Error(`${service.name} exited:\n${service.output().slice(-4000)}`);
  const res = await fetch(`${service.url}/health`);
  if (res.status !== 200) throw new Error(`${service.name} /health answered ${res.status}`);
}

export interface MetricsSnapshot {
  /** Sample lines (series) in the exposition. */
  series: number;
  /** process_resident_memory_bytes. */
  rssBytes: number;
  text: string;
}

export async function scrape(service: ServiceProcess, token?: string): Promise<MetricsSnapshot> {
  const res = await fetch(`${service.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (res.status !== 200) throw new Error(`${service.name} /metrics answered ${res.status}`);
  const text = await res.text();
  const families = parseExposition(text);
  const rss = families.get('process_resident_memory_bytes')?.samples[0]?.value;
  return {
    series: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
    rssBytes: rss ?? Number.NaN,
    text,
  };
}

/** Series of the exposition keyed `name{labels}`, to name the ones a run added. */
export function seriesKeys(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.replace(/\s+\S+$/, '')),
  );
}
