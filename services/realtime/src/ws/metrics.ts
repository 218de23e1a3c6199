import type { Instruments } from '@support-center/telemetry';

/** The two endpoints: the `endpoint` label's whole set. */
export const ENDPOINTS = { chat: '/chat', notifications: '/ws/notifications' } as const;
export type Endpoint = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];

/** `client_type`: the `client` query parameter when it is one of these, else `other`. */
export const CLIENT_TYPES = ['web', 'mobile', 'desktop', 'other'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export function clientTypeOf(param: string | null): ClientType {
  return (CLIENT_TYPES as readonly string[]).includes(param ?? '') ? (param as ClientType) : 'other';
}

/** `message_type` of received frames: the frame's `type` when known, else `unknown`. */
export const RECEIVED_TYPES = ['join', 'leave', 'message', 'resync', 'unknown'] as const;
export type ReceivedType = (typeof RECEIVED_TYPES)[number];

export function receivedTypeOf(type: unknown): ReceivedType {
  return (RECEIVED_TYPES as readonly unknown[]).includes(type) ? (type as ReceivedType) : 'unknown';
}

/** `message_type` of sent frames. */
export type SentType = 'history' | 'message' | 'error' | 'notification' | 'unread';

/** `status` of websocket_connections_total. */
export type ConnectionStatus = 'success' | 'unauthorized' | 'error';

/** `reason` of websocket_errors_total. */
export type ErrorReason =
  | 'invalid_frame'
  | 'frame_too_large'
  | 'message_too_large'
  | 'rate_limited'
  | 'not_found'
  | 'not_joined'
  | 'too_many_rooms'
  | 'queue_overflow'
  | 'internal'
  | 'slow_consumer'
  | 'heartbeat_timeout'
  | 'socket_error';

export type WsInstruments = Pick<
  Instruments,
  | 'websocket_active_connections'
  | 'websocket_connections_total'
  | 'websocket_messages_sent_total'
  | 'websocket_messages_received_total'
  | 'websocket_errors_total'
  | 'websocket_initial_load_duration_seconds'
  | 'websocket_heartbeat_rtt_seconds'
  | 'websocket_sequence_gaps_detected_total'
>;
