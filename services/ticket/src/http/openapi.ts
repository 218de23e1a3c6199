import {
  errorResponses,
  jsonBody,
  jsonResponse,
  openApiDocument as buildDocument,
  pathParameter,
} from '@support-center/service-kit';
import { z } from 'zod';
import {
  assignBody,
  category,
  commentBody,
  commentView,
  createTicketBody,
  priority,
  SORTS,
  status,
  statusBody,
  TICKET_ID,
  ticketList,
  ticketView,
  updateTicketBody,
} from '../domain/schemas';

const idParameter = pathParameter('id', z.string().regex(TICKET_ID));
const common = errorResponses({
  401: 'No valid bearer token',
  404: 'No such ticket (or not one of yours)',
  415: 'A body that is not JSON',
  422: 'Invalid fields, each named in error.details',
});

const listOf = (schema: z.ZodEnum) => ({
  type: 'string',
  description: `One value or several, comma-separated: ${schema.options.join(', ')}`,
});

const AT = '2026-03-02T09:15:00.000Z';
const ticketExample: z.output<typeof ticketView> = {
  id: '65f1c0ffee0000000000a001',
  number: 42,
  title: 'VPN drops every hour',
  description: 'Since Monday the VPN disconnects about every hour.',
  category: 'network',
  priority: 'high',
  status: 'open',
  requesterId: 'u-alice',
  assigneeId: null,
  createdAt: AT,
  updatedAt: AT,
  statusChangedAt: AT,
  solvedAt: null,
  closedAt: null,
  responseDueAt: '2026-03-02T13:15:00.000Z',
  resolutionDueAt: '2026-03-03T09:15:00.000Z',
  firstRespondedAt: null,
  slaBreached: { first_response: false, resolution: false },
  comments: [],
  attachments: [],
  history: [{ at: AT, actorId: 'u-alice', action: 'created', changes: {} }],
  allowedTransitions: ['in_progress', 'pending', 'solved'],
};
const {
  comments: _c,
  attachments: _a,
  history: _h,
  allowedTransitions: _t,
  ...summaryExample
} = ticketExample;
const commentExample = {
  id: '65f1c0ffee0000000000c001',
  authorId: 'u-agent',
  body: 'Could you send the VPN client log?',
  internal: false,
  createdAt: AT,
};

/** The OpenAPI 3.1 document of the ticket API, generated from the zod schemas the routes validate with. */
export function openApiDocument(version: string) {
  return buildDocument({
    title: 'Support Center ticket service',
    version,
    bearerByDefault: true,
    paths: {
      '/api/v1/tickets': {
        post: {
          summary: 'Open a ticket (the caller is its requester)',
          requestBody: jsonBody(createTicketBody, {
            title: 'VPN drops every hour',
            description: 'Since Monday the VPN disconnects about every hour.',
            category: 'network',
            priority: 'high',
          }),
          responses: { '201': jsonResponse('The new ticket', ticketView, ticketExample), ...common },
        },
        get: {
          summary: 'List tickets (employees: their own), newest first by default, with a cursor',
          parameters: [
            { name: 'status', in: 'query', schema: listOf(status) },
            { name: 'priority', in: 'query', schema: listOf(priority) },
            { name: 'category', in: 'query', schema: listOf(category) },
            { name: 'assigneeId', in: 'query', schema: { type: 'string' } },
            { name: 'requesterId', in: 'query', schema: { type: 'string' } },
            {
              name: 'q',
              in: 'query',
              description: 'Case-insensitive text the title contains (matched literally)',
              schema: { type: 'string', maxLength: 200 },
            },
            {
              name: 'breached',
              in: 'query',
              description: 'true: tickets with a breached service-level target; false: tickets with none',
              schema: { type: 'string', enum: ['true', 'false'] },
            },
            {
              name: 'sort',
              in: 'query',
              description: 'By a due time (responseDueAt, resolutionDueAt): only the tickets that have one',
              schema: { type: 'string', enum: [...SORTS], default: '-createdAt' },
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            },
            {
              name: 'cursor',
              in: 'query',
              description: 'nextCursor of the previous page (same sort)',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': jsonResponse('A page of tickets', ticketList, {
              items: [summaryExample],
              nextCursor: null,
            }),
            ...errorResponses({ 400: 'A bad cursor' }),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}': {
        parameters: [idParameter],
        get: {
          summary: 'One ticket',
          responses: { '200': jsonResponse('The ticket', ticketView, ticketExample), ...common },
        },
        patch: {
          summary: 'Change title, description, category (requester or staff) or priority (staff)',
          requestBody: jsonBody(updateTicketBody, { priority: 'high' }),
          responses: {
            '200': jsonResponse('The ticket', ticketView, ticketExample),
            ...errorResponses({
              403: 'A field only staff may change',
              409: 'The ticket is closed, or at its size limit (error.details.reason TICKET_SIZE_LIMIT_REACHED)',
            }),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}/assign': {
        parameters: [idParameter],
        post: {
          summary: 'Assign to an agent or admin, or unassign with null (staff only)',
          requestBody: jsonBody(assignBody, { assigneeId: 'u-agent' }),
          responses: {
            '200': jsonResponse('The ticket', ticketView, { ...ticketExample, assigneeId: 'u-agent' }),
            ...errorResponses({ 403: 'Not staff', 409: 'The ticket is closed' }),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}/status': {
        parameters: [idParameter],
        post: {
          summary: 'Change the status through the state machine',
          requestBody: jsonBody(statusBody, { status: 'in_progress' }),
          responses: {
            '200': jsonResponse('The ticket', ticketView, {
              ...ticketExample,
              status: 'in_progress',
              allowedTransitions: ['open', 'pending', 'solved'],
            }),
            ...errorResponses({
              403: 'A transition only staff may make',
              409: 'A transition the state machine forbids; error.details.allowedTransitions lists the allowed',
            }),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}/comments': {
        parameters: [idParameter],
        post: {
          summary: 'Add a public reply, or an internal note (staff only)',
          requestBody: jsonBody(commentBody, { body: 'Could you send the VPN client log?' }),
          responses: {
            '201': jsonResponse('The comment', commentView, commentExample),
            ...errorResponses({
              403: 'An internal note by an employee',
              409: 'The ticket is closed, or at its comment or size limit (error.details.reason COMMENT_LIMIT_REACHED or TICKET_SIZE_LIMIT_REACHED)',
            }),
            ...common,
          },
        },
      },
    },
  });
}
