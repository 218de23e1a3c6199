import { serveOpenApi } from '@support-center/service-kit';
import type { Express } from 'express';
import { chatRoutes, type RoutesOptions } from './app';
import { notificationRoutes, type NotificationRoutesOptions } from './notification-routes';
import { ASYNCAPI_PATH, asyncApiDocument } from './asyncapi';
import { realtimeOpenApiDocument } from './openapi';

export type RealtimeRoutesOptions = RoutesOptions & NotificationRoutesOptions & { version: string };

/**
 * Every HTTP route of the service: its OpenAPI document, the AsyncAPI document of the sockets and
 * events, the chat history and the notification history.
 */
export function realtimeRoutes(options: RealtimeRoutesOptions) {
  const document = realtimeOpenApiDocument(options.version);
  const asyncApi = JSON.stringify(asyncApiDocument({ version: options.version }));
  return (app: Express) => {
    serveOpenApi(app, document);
    app.get(ASYNCAPI_PATH, (_req, res) => {
      res.type('application/json').send(asyncApi);
    });
    chatRoutes(options)(app);
    notificationRoutes(options)(app);
  };
}
