import { AppError, parseInput, type JwtAuth } from '@support-center/service-kit';
import type { Express, Request } from 'express';
import {
  assignBody,
  commentBody,
  createTicketBody,
  listQuery,
  statusBody,
  updateTicketBody,
} from './domain/schemas';
import { openApiDocument } from './http/openapi';
import { commentView, summaryView, ticketView } from './http/views';
import type { TicketService } from './tickets';

export interface TicketRoutesOptions {
  tickets: TicketService;
  auth: Pick<JwtAuth, 'requireAuth'>;
  version: string;
}

const BASE = '/api/v1/tickets';

/** The ticket API (docs/architecture.md, "API shapes"). Routes are mounted with their full templates for the HTTP metrics. */
export function ticketRoutes({ tickets, auth, version }: TicketRoutesOptions) {
  const openapi = JSON.stringify(openApiDocument(version));
  const user = (req: Request) => {
    if (!req.user) throw new AppError('INTERNAL', { message: 'requireAuth() did not run' });
    return req.user;
  };
  const id = (req: Request) => String(req.params.id);

  return (app: Express) => {
    app.get('/api/v1/openapi.json', (_req, res) => {
      res.type('application/json').send(openapi);
    });

    const authenticated = auth.requireAuth();

    app.post(BASE, authenticated, async (req, res) => {
      const ticket = await tickets.create(user(req), parseInput(createTicketBody, req.body));
      res
        .status(201)
        .location(`${BASE}/${ticket._id}`)
        .json(ticketView(ticket, user(req)));
    });

    app.get(BASE, authenticated, async (req, res) => {
      const page = await tickets.list(user(req), parseInput(listQuery, req.query, 'query'));
      res.json({ items: page.items.map(summaryView), nextCursor: page.nextCursor });
    });

    app.get(`${BASE}/:id`, authenticated, async (req, res) => {
      res.json(ticketView(await tickets.get(user(req), id(req)), user(req)));
    });

    app.patch(`${BASE}/:id`, authenticated, async (req, res) => {
      const input = parseInput(updateTicketBody, req.body);
      res.json(ticketView(await tickets.update(user(req), id(req), input), user(req)));
    });

    app.post(`${BASE}/:id/assign`, authenticated, async (req, res) => {
      const { assigneeId } = parseInput(assignBody, req.body);
      res.json(ticketView(await tickets.assign(user(req), id(req), assigneeId), user(req)));
    });

    app.post(`${BASE}/:id/status`, authenticated, async (req, res) => {
      const { status } = parseInput(statusBody, req.body);
      res.json(ticketView(await tickets.changeStatus(user(req), id(req), status), user(req)));
    });

    app.post(`${BASE}/:id/comments`, authenticated, async (req, res) => {
      const input = parseInput(commentBody, req.body);
      const { comment } = await tickets.comment(user(req), id(req), input);
      res.status(201).json(commentView(comment));
    });
  };
}
