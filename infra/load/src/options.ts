import { parseArgs } from 'node:util';
import type { SlowAgents } from './slow-agents';

export interface LoadOptions {
  /** Actions started per second (open loop: a slow system does not slow the schedule down). */
  rate: number;
  durationSeconds: number;
  /** Most actions in flight at once; past it a tick is skipped and counted. */
  maxInFlight: number;
  urls: { auth: string; ticket: string; file: string; realtime: string };
  password: string;
  slowAgents: SlowAgents;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run load -- [--rate N] [--duration SECONDS] [--gateway URL] [--password P]
                     [--slow-agents SHARE] [--slow-delay SECONDS]
  --rate       actions per second (default 5)
  --duration   seconds (default 60)
  --gateway    send everything through one base URL (the nginx gateway, http://localhost:8000);
               otherwise the services' own ports 8001-8004 on localhost
  --password   the demo accounts' password (default: DEMO_PASSWORD, then the one npm run dev kept)
  --slow-agents  share (0-1) of tickets the agent gets to late, to assign and again to solve (default 0)
  --slow-delay   longest such wait in seconds, each a random time up to it (default 60)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, keptPassword?: string): LoadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '5' },
      duration: { type: 'string', default: '60' },
      gateway: { type: 'string' },
      password: { type: 'string' },
      'max-in-flight': { type: 'string', default: '64' },
      'slow-agents': { type: 'string', default: '0' },
      'slow-delay': { type: 'string', default: '60' },
    },
    strict: true,
  });
  const rate = positive('--rate', values.rate);
  const durationSeconds = positive('--duration', values.duration);
  const maxInFlight = positive('--max-in-flight', values['max-in-flight']);
  const share = Number(values['slow-agents']);
  if (!(share >= 0 && share <= 1)) throw new UsageError('--slow-agents must be a share from 0 to 1');
  const slowAgents = { share, maxDelayMs: positive('--slow-delay', values['slow-delay']) * 1000 };
  const password = values.password ?? env.DEMO_PASSWORD ?? keptPassword;
  if (!password)
    throw new UsageError('no password for the demo accounts: pass --password or set DEMO_PASSWORD');
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const gateway = values.gateway?.replace(/\/$/, '');
  const urls = gateway
    ? { auth: gateway, ticket: gateway, file: gateway, realtime: gateway }
    : { auth: local(8002), ticket: local(8001), file: local(8003), realtime: local(8004) };
  return { rate, durationSeconds, maxInFlight, urls, password, slowAgents };
}

function positive(flag: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} must be a positive number`);
  return number;
}
