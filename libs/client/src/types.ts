import type { components as AuthComponents, paths as AuthPaths } from './generated/auth';
import type { components as FileComponents, paths as FilePaths } from './generated/file';
import type { components as FrameComponents } from './generated/frames';
import type { components as RealtimeComponents, paths as RealtimePaths } from './generated/realtime';
import type { components as TicketComponents, paths as TicketPaths } from './generated/ticket';

/** The generated path types of each service, for openapi-fetch. */
export type { AuthPaths, FilePaths, RealtimePaths, TicketPaths };
export type { AuthComponents, FileComponents, FrameComponents, RealtimeComponents, TicketComponents };

type Frames = FrameComponents['schemas'];

/** What a `/chat` client sends: join, leave, message, resync. */
export type ChatClientFrame = Frames['ChatClientFrame'];
/** What the server sends on `/chat`: history, message, error. */
export type ChatServerFrame = Frames['ChatServerFrame'];
/** What the server sends on `/ws/notifications`: unread, notification, error. */
export type NotificationServerFrame = Frames['NotificationServerFrame'];
export type ChatMessageFrame = Frames['ChatServerMessage'];
export type ChatHistoryFrame = Frames['ChatServerHistory'];
export type NotificationFrame = Frames['NotificationServerNotification'];
export type UnreadFrame = Frames['NotificationServerUnread'];
export type SocketErrorFrame = Frames['ChatServerError'];
