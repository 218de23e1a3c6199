import { z } from 'zod';
import {
  assignBody,
  category,
  commentBody,
  commentView,
  createTicketBody,
  errorBody,
  priority,
  SORTS,
  status,
  statusBody,
  ticketList,
  ticketView,
  updateTicketBody,
} from '../domain/schemas';

const json = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' });

const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: json(schema, 'input') } },
});
const ok = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema: json(schema, 'output') } },
});
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: json(errorBody, 'output') } },
});

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f]{24}$' },
};
const common = {
  '401': error('No valid bearer token'),
  '404': error('No such ticket (or not one of yours)'),
  '422': error('Invalid fields, each named in error.details'),
};

const listOf = (schema: z.ZodType) => ({
  type: 'string',
  description: `One value or several, comma-separated: ${(json(schema, 'input').enum as string[]).join(', ')}`,
});

/** The OpenAPI 3 document of the ticket API, generated from the zod schemas the routes validate with. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.0.3',
    info: { title: 'Support Center ticket service', version },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/tickets': {
        post: {
          summary: 'Open a ticket (the caller is its requester)',
          requestBody: body(createTicketBody),
          responses: { '201': ok('The new ticket', ticketView), ...common },
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
              name: 'sort',
              in: 'query',
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
          responses: { '200': ok('A page of tickets', ticketList), '400': error('A bad cursor'), ...common },
        },
      },
      '/api/v1/tickets/{id}': {
        parameters: [idParameter],
        get: { summary: 'One ticket', responses: { '200': ok('The ticket', ticketView), ...common } },
        patch: {
          summary: 'Change title, description, category (requester or staff) or priority (staff)',
          requestBody: body(updateTicketBody),
          responses: {
            '200': ok('The ticket', ticketView),
            '403': error('A field only staff may change'),
            '409': error(
              'The ticket is closed, or at its size limit (error.details.reason TICKET_SIZE_LIMIT_REACHED)',
            ),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}/assign': {
        parameters: [idParameter],
        post: {
          summary: 'Assign to an agent or admin, or unassign with null (staff only)',
          requestBody: body(assignBody),
          responses: {
            '200': ok('The ticket', ticketView),
            '403': error('Not staff'),
            '409': error('The ticket is closed'),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}/status': {
        parameters: [idParameter],
        post: {
          summary: 'Change the status through the state machine',
          requestBody: body(statusBody),
          responses: {
            '200': ok('The ticket', ticketView),
            '403': error('A transition only staff may make'),
            '409': error(
              'A transition the state machine forbids; error.details.allowedTransitions lists the allowed',
            ),
            ...common,
          },
        },
      },
      '/api/v1/tickets/{id}/comments': {
        parameters: [idParameter],
        post: {
          summary: 'Add a public reply, or an internal note (staff only)',
          requestBody: body(commentBody),
          responses: {
            '201': ok('The comment', commentView),
            '403': error('An internal note by an employee'),
            '409': error(
              'The ticket is closed, or at its comment or size limit (error.details.reason COMMENT_LIMIT_REACHED or TICKET_SIZE_LIMIT_REACHED)',
            ),
            ...common,
          },
        },
      },
    },
  };
}
