/**
 * The typed client of the Support Center API for frontends (and the load generator and system tests):
 * HTTP from the services' OpenAPI documents, sockets from the AsyncAPI document (docs/api).
 */
export {
  createSupportClient,
  type SupportClient,
  type SupportClientOptions,
  type TokenSource,
  type UploadInput,
} from './http';
export {
  ChatSocket,
  CLOSE_CODES,
  openChatSocket,
  openNotificationSocket,
  SocketFrameTimeoutError,
  socketUrl,
  TypedSocket,
  type NotificationSocket,
  type SocketClosed,
  type SocketOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './sockets';
export type * from './types';
