import { randomBytes } from 'node:crypto';
import { apiClient } from './api';
import type { LoadOptions } from './options';
import type { Session } from './session';
import { enqueue, isDue, takeDue, type Queued } from './slow-agents';

/** What the traffic knows of the system it built: its tickets, by state. */
export interface World {
  options: LoadOptions;
  sessions: { agent: Session; employees: Session[] };
  open: Ticket[];
  assigned: Ticket[];
  sequence: number;
}

/** `notBefore`: a slow agent's ticket, left alone until then (--slow-agents). */
interface Ticket extends Queued {
  id: string;
  requester: Session;
}

/** An action's outcome: `expected` says whether the answer was the one this traffic wanted. */
export interface Outcome {
  expected: boolean;
  status: number;
  /** What an unexpected answer was: its status and error code. */
  detail?: string;
}

export interface Action {
  name: string;
  /** Relative frequency. */
  weight: number;
  run(world: World): Promise<Outcome>;
}

const CATEGORIES = ['hardware', 'software', 'network', 'access', 'other'] as const;
const PRIORITIES = ['low', 'medium', 'medium', 'high', 'critical'] as const;
const SUBJECTS = [
  'Laptop will not boot',
  'VPN drops every hour',
  'Printer queue stuck',
  'Need access to the CRM',
  'Monitor flickers',
];
/** A 1×1 PNG: real magic bytes, so the file service's content checks accept it. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
/** The answer of a typed call (openapi-fetch's `{ data, error, response }`). */
const outcome = (
  { response, error }: { response: Response; error?: unknown },
  ...wanted: number[]
): Outcome => ({
  expected: wanted.includes(response.status),
  status: response.status,
  detail: [response.status, (error as { error?: { code?: string } } | undefined)?.error?.code]
    .filter(Boolean)
    .join(' '),
});

export const ACTIONS: Action[] = [
  {
    name: 'create ticket',
    weight: 30,
    async run(world) {
      const requester = pick(world.sessions.employees);
      world.sequence += 1;
      const answer = await requester.client.tickets.POST('/api/v1/tickets', {
        body: {
          title: `${pick(SUBJECTS)} (#${world.sequence})`,
          description: 'Reported by the load generator.',
          category: pick(CATEGORIES),
          priority: pick(PRIORITIES),
        },
      });
      if (answer.data) enqueue(world.open, { id: answer.data.id, requester }, world.options.slowAgents);
      return outcome(answer, 201);
    },
  },
  {
    name: 'list tickets',
    weight: 15,
    async run(world) {
      const viewer = Math.random() < 0.5 ? world.sessions.agent : pick(world.sessions.employees);
      const status = pick(['open', 'in_progress', 'solved'] as const);
      return outcome(
        await viewer.client.tickets.GET('/api/v1/tickets', { params: { query: { status, limit: 20 } } }),
        200,
      );
    },
  },
  {
    name: 'upload file',
    weight: 10,
    async run(world) {
      const ticket = pick([...world.open, ...world.assigned]);
      if (!ticket) return { expected: true, status: 0 };
      return outcome(
        await ticket.requester.client.uploadFile({
          ticketId: ticket.id,
          file: new Blob([PNG], { type: 'image/png' }),
          fileName: `screenshot-${world.sequence}.png`,
        }),
        201,
      );
    },
  },
  {
    name: 'assign ticket',
    weight: 15,
    async run(world) {
      const ticket = takeDue(world.open);
      if (!ticket) return { expected: true, status: 0 };
      const agent = world.sessions.agent;
      const answer = await agent.client.tickets.POST('/api/v1/tickets/{id}/assign', {
        params: { path: { id: ticket.id } },
        body: { assigneeId: agent.id },
      });
      if (answer.response.status === 200) enqueue(world.assigned, ticket, world.options.slowAgents);
      return outcome(answer, 200);
    },
  },
  {
    name: 'solve ticket',
    weight: 10,
    async run(world) {
      const ticket = takeDue(world.assigned);
      if (!ticket) return { expected: true, status: 0 };
      return outcome(
        await world.sessions.agent.client.tickets.POST('/api/v1/tickets/{id}/status', {
          params: { path: { id: ticket.id } },
          body: { status: 'solved' },
        }),
        200,
      );
    },
  },
  {
    name: 'comment',
    weight: 10,
    async run(world) {
      // The agent answers only tickets it is not late on: a slow agent's reply is a late first response.
      const byAgent = Math.random() < 0.5;
      const tickets = [...world.open, ...world.assigned];
      const ticket = pick(byAgent ? tickets.filter((t) => isDue(t)) : tickets);
      if (!ticket) return { expected: true, status: 0 };
      const author = byAgent ? world.sessions.agent : ticket.requester;
      return outcome(
        await author.client.tickets.POST('/api/v1/tickets/{id}/comments', {
          params: { path: { id: ticket.id } },
          body: { body: 'Any news on this one?', internal: false },
        }),
        201,
      );
    },
  },
  {
    name: 'failed login',
    weight: 3,
    async run(world) {
      // An unknown user from a documentation-range address (through a trusted proxy header), so
      // neither the demo accounts nor this machine's address are locked out; 429 once that one is.
      return outcome(
        await apiClient(world.options.urls).auth.POST('/api/v1/auth/login', {
          body: { username: `intruder-${randomBytes(3).toString('hex')}`, password: 'wrong-password' },
          headers: { 'X-Forwarded-For': `198.51.100.${Math.floor(Math.random() * 254) + 1}` },
        }),
        401,
        429,
      );
    },
  },
  {
    name: 'missing ticket',
    weight: 7,
    async run(world) {
      return outcome(
        await world.sessions.agent.client.tickets.GET('/api/v1/tickets/{id}', {
          params: { path: { id: randomBytes(12).toString('hex') } },
        }),
        404,
      );
    },
  },
];

export function chooseAction(actions: readonly Action[]): Action {
  const total = actions.reduce((sum, a) => sum + a.weight, 0);
  let roll = Math.random() * total;
  for (const action of actions) {
    roll -= action.weight;
    if (roll < 0) return action;
  }
  return actions[actions.length - 1] as Action;
}
