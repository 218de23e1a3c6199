import { serveOpenApi } from '@support-center/service-kit';
import type { Express } from 'express';
import { chatRoutes, type RoutesOptions } from './app';
import { notificationRoutes, type NotificationRoutesOptions } from './notification-routes';
import { realtimeOpenApiDocument } from './openapi';

export type RealtimeRoutesOptions = RoutesOptions & NotificationRoutesOptions & { version: string };

/** Every HTTP route of the service: its OpenAPI document, the chat history and the notification history. */
export function realtimeRoutes(options: RealtimeRoutesOptions) {
  const document = realtimeOpenApiDocument(options.version);
  return (app: Express) => {
    serveOpenApi(app, document);
    chatRoutes(options)(app);
    notificationRoutes(options)(app);
  };
}
