import { createSupportClient } from '@support-center/client';
import { startServiceProcess, waitFor, type ServiceName, type ServiceProcess } from '@support-center/testing';

export interface ServiceEnv {
  kafkaBrokers: string;
  mongoUrl: string;
  database: string;
  jwksUrl: string;
  topicPrefix: string;
  [extra: string]: string;
}

/** Runs a built service as a process against the given engines, and waits for /ready 200. */
export async function startService(name: ServiceName, env: ServiceEnv): Promise<ServiceProcess> {
  const { kafkaBrokers, mongoUrl, database, jwksUrl, topicPrefix, ...extra } = env;
  const service = await startServiceProcess(name, {
    KAFKA_BROKERS: kafkaBrokers,
    MONGO_URL: mongoUrl,
    MONGO_DB: database,
    AUTH_JWKS_URL: jwksUrl,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    WRITE_RATE_LIMIT: '0',
    ...extra,
  });
  await waitForReady(service);
  return service;
}

export async function waitForReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
    timeoutMs,
    ignoreErrors: true,
    message: `${service.name} /ready 200`,
  });
}

export interface CreateResult {
  status: number;
  /** The ticket id, on a 201. */
  id?: string;
  body: unknown;
}

const TICKET = {
  description: 'Nothing prints since this morning',
  category: 'hardware',
  priority: 'medium',
} as const;

/** POST /api/v1/tickets with the typed client; a refused or cut connection is status 0. */
export async function createTicket(baseUrl: string, token: string, title: string): Promise<CreateResult> {
  const client = createSupportClient({
    baseUrl,
    token,
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(15_000) }),
  });
  try {
    const { data, error, response } = await client.tickets.POST('/api/v1/tickets', {
      body: { ...TICKET, title },
    });
    return { status: response.status, id: data?.id, body: data ?? error };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

export interface SteadyLoad {
  readonly results: CreateResult[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<CreateResult[]>;
}

/**
 * Creates tickets at `perSecond` (one every 1/rate seconds, at most `maxInFlight` at once, so a
 * slow service is not buried under a growing queue) until stopped.
 */
export function steadyTicketLoad(
  baseUrl: string,
  token: string,
  {
    perSecond,
    maxInFlight = 20,
    label = 'load',
  }: { perSecond: number; maxInFlight?: number; label?: string },
): SteadyLoad {
  const results: CreateResult[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    if (inFlight.size >= maxInFlight) return;
    const request = createTicket(baseUrl, token, `${label} ${++n}`).then((result) => {
      results.push(result);
      inFlight.delete(request);
    });
    inFlight.add(request);
  }, 1000 / perSecond);
  return {
    results,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return results;
    },
  };
}
