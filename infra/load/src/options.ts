import { parseArgs } from 'node:util';

export interface LoadOptions {
  /** Actions started per second (open loop: a slow system does not slow the schedule down). */
  rate: number;
  durationSeconds: number;
  /** Most actions in flight at once; past it a tick is skipped and counted. */
  maxInFlight: number;
  urls: { auth: string; ticket: string; file: string; realtime: string };
  password: string;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run load -- [--rate N] [--duration SECONDS] [--gateway URL] [--password P]
  --rate       actions per second (default 5)
  --duration   seconds (default 60)
  --gateway    send everything through one base URL (the nginx gateway, http://localhost:8000);
               otherwise the services' own ports 8001-8004 on localhost
  --password   the demo accounts' password (default: DEMO_PASSWORD, then the one npm run dev kept)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, keptPassword?: string): LoadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '5' },
      duration: { type: 'string', default: '60' },
      gateway: { type: 'string' },
      password: { type: 'string' },
      'max-in-flight': { type: 'string', default: '64' },
    },
    strict: true,
  });
  const rate = positive('--rate', values.rate);
  const durationSeconds = positive('--duration', values.duration);
  const maxInFlight = positive('--max-in-flight', values['max-in-flight']);
  const password = values.password ?? env.DEMO_PASSWORD ?? keptPassword;
  if (!password)
    throw new UsageError('no password for the demo accounts: pass --password or set DEMO_PASSWORD');
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const gateway = values.gateway?.replace(/\/$/, '');
  const urls = gateway
    ? { auth: gateway, ticket: gateway, file: gateway, realtime: gateway }
    : { auth: local(8002), ticket: local(8001), file: local(8003), realtime: local(8004) };
  return { rate, durationSeconds, maxInFlight, urls, password };
}

function positive(flag: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} must be a positive number`);
  return number;
}
