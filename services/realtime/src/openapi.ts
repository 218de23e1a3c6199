import {
  emptyResponse,
  errorResponses,
  jsonResponse,
  openApiDocument,
  pathParameter,
  queryParameters,
} from '@support-center/service-kit';
import { z } from 'zod';
import { chatHistory, chatHistoryQuery, markedAllRead, notificationPage } from './api-schemas';
import { idParams, listQuery as notificationsQuery } from './notification-routes';

const unauthorized = errorResponses({ 401: 'No valid bearer token' });
const AT = '2026-03-02T09:15:00.000Z';
const TICKET = '65f1c0ffee0000000000a001';

/**
 * The OpenAPI 3.1 document of the realtime service's REST routes (the `/chat` and
 * `/ws/notifications` sockets are not HTTP APIs and are described elsewhere).
 */
export function realtimeOpenApiDocument(version: string) {
  return openApiDocument({
    title: 'Support Center realtime service',
    description: 'REST routes beside the /chat and /ws/notifications WebSockets',
    version,
    bearerByDefault: true,
    paths: {
      '/api/v1/asyncapi.json': {
        get: {
          summary:
            'The AsyncAPI 3.0 document of the /chat and /ws/notifications sockets and the Kafka events',
          security: [],
          responses: {
            '200': {
              description: 'The document',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['asyncapi', 'info', 'channels', 'operations'],
                    properties: { asyncapi: { const: '3.0.0' } },
                  },
                  example: {
                    asyncapi: '3.0.0',
                    info: { title: 'Support Center realtime protocols and events', version },
                    channels: {},
                    operations: {},
                  },
                },
              },
            },
          },
        },
      },
      '/api/v1/chat/{ticketId}/messages': {
        get: {
          summary:
            "A ticket room's messages for clients without a socket: the latest `limit`, or the ones after `afterSeq`, oldest first",
          parameters: [pathParameter('ticketId', z.string()), ...queryParameters(chatHistoryQuery)],
          responses: {
            '200': jsonResponse('Messages, oldest first', chatHistory, {
              items: [
                {
                  type: 'message',
                  ticketId: TICKET,
                  seq: 1,
                  id: 'm-6f1c',
                  authorId: 'u-agent',
                  body: 'Hello, I am looking into it.',
                  at: AT,
                },
              ],
            }),
            ...errorResponses({
              404: 'No such ticket, or one the caller may not join (the same answer)',
              422: 'A bad afterSeq or limit, named in error.details',
              503: 'The token keys or the database cannot be reached',
            }),
            ...unauthorized,
          },
        },
      },
      '/api/v1/notifications': {
        get: {
          summary: "The caller's notifications, newest first, by cursor pages, with the unread count",
          parameters: queryParameters(notificationsQuery),
          responses: {
            '200': jsonResponse('A page', notificationPage, {
              items: [
                {
                  id: `${String(Date.parse(AT)).padStart(15, '0')}-7b2e9c1a-1f0e-4d7a-9b8e-2c3d4e5f6a7b`,
                  event: 'ticket.assigned',
                  data: { ticketId: TICKET, assigneeId: 'u-agent' },
                  at: AT,
                  read: false,
                },
              ],
              nextCursor: null,
              unreadCount: 1,
            }),
            ...errorResponses({ 422: 'A bad limit, cursor or unread, named in error.details' }),
            ...unauthorized,
          },
        },
      },
      '/api/v1/notifications/read-all': {
        post: {
          summary: "Mark all of the caller's notifications read",
          responses: { '200': jsonResponse('Marked', markedAllRead, { marked: 3 }), ...unauthorized },
        },
      },
      '/api/v1/notifications/{id}/read': {
        post: {
          summary: 'Mark one notification read',
          parameters: [pathParameter('id', idParams.shape.id)],
          responses: {
            '204': emptyResponse('Marked read'),
            ...errorResponses({
              404: "No such notification, or someone else's (the same answer)",
              422: 'A bad id',
            }),
            ...unauthorized,
          },
        },
      },
    },
  });
}
