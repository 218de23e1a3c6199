import { EVENT_SPECS, TOPICS, dataSchemaUri, type Topic } from '@support-center/events';
import { z } from 'zod';
import { QUEUE_OVERFLOW_CLOSE } from '../ws/chat';
import { CLOSE_CODES } from '../ws/server';
import { ENDPOINTS } from '../ws/metrics';
import { CHAT_CLIENT_FRAMES, CHAT_SERVER_FRAMES, NOTIFICATION_SERVER_FRAMES, frameType } from './frames';

/**
 * The AsyncAPI 3.0 document of what is not HTTP: the `/chat` and `/ws/notifications` WebSocket
 * protocols and the Kafka topics with their CloudEvents. Every payload is generated from the zod
 * schema the code validates or builds with (the frames here, the events in @support-center/events),
 * so the description cannot drift from what travels.
 */

type JsonSchema = Record<string, unknown>;

const ref = ($ref: string) => ({ $ref });

/** AsyncAPI's default schema format is a superset of JSON Schema draft-07. */
function payloadSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-7',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** Every way the server closes a socket, from the code that closes it. */
export const CLOSE_CODE_DOCS = [
  { code: CLOSE_CODES.unauthorized, reason: 'No valid token at connect, or the token was revoked since' },
  {
    code: CLOSE_CODES.tryAgainLater,
    reason: 'The token keys cannot be fetched now (auth unreachable); reconnect later',
  },
  {
    code: CLOSE_CODES.goingAway,
    reason: 'The server is shutting down; reconnect (another instance answers)',
  },
  {
    code: QUEUE_OVERFLOW_CLOSE,
    reason: '/chat only: more frames queued than the server handles per connection (a flood)',
  },
  { code: 1009, reason: 'A frame larger than 1 MiB (smaller oversized frames get a FRAME_TOO_LARGE error)' },
] as const;

/** Publisher of each topic (the service that owns the aggregate). */
const PUBLISHERS: Record<Topic, string> = {
  auth: 'auth',
  tickets: 'ticket',
  files: 'file',
  chat: 'realtime',
};

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function closeCodesText(): string {
  return CLOSE_CODE_DOCS.map(({ code, reason }) => `- \`${code}\`: ${reason}`).join('\n');
}

const CONNECT_TEXT =
  'Authenticate with `?token=<access token>` (browsers cannot set headers on a WebSocket) or ' +
  '`Authorization: Bearer <token>`; `?client=web|mobile|desktop` labels the metrics. The server ' +
  'pings every client and drops the ones that stop answering. It closes the socket with:\n\n';

const wsBindings = {
  ws: {
    method: 'GET',
    query: {
      type: 'object',
      properties: {
        token: { type: 'string', description: 'The access token (JWT)' },
        client: { type: 'string', enum: ['web', 'mobile', 'desktop', 'other'] },
      },
    },
    bindingVersion: '0.1.0',
  },
};

interface Message {
  name: string;
  title: string;
  summary?: string;
  contentType: string;
  payload: JsonSchema;
  [key: string]: unknown;
}

const pascal = (text: string) =>
  text.replace(/(^|[^a-zA-Z0-9])([a-zA-Z0-9])/g, (_m, _s, c: string) => c.toUpperCase());

/**
 * One message per frame type, named `<side>.<type>` (`chatClient.message` is not `chatServer.message`),
 * whose payload is the frame's schema in components.schemas (`ChatClientMessage`), for generators.
 */
function frames(side: string, schemas: readonly z.ZodObject[], io: 'input' | 'output') {
  const messages: Record<string, Message> = {};
  const payloads: Record<string, JsonSchema> = {};
  for (const schema of schemas) {
    const type = frameType(schema as never);
    const schemaName = pascal(`${side}-${type}`);
    payloads[schemaName] = payloadSchema(schema, io);
    messages[`${side}.${type}`] = {
      name: `${side}.${type}`,
      title: `${type} frame`,
      contentType: 'application/json',
      payload: ref(`#/components/schemas/${schemaName}`),
    };
  }
  /** Every frame of this side, for `type`-discriminated unions. */
  const union = { oneOf: Object.keys(payloads).map((name) => ref(`#/components/schemas/${name}`)) };
  payloads[pascal(`${side}-frame`)] = union;
  return { messages, payloads };
}

function eventMessages(topic: Topic) {
  const messages: Record<string, Message> = {};
  for (const spec of EVENT_SPECS.values()) {
    if (spec.topic !== topic) continue;
    messages[spec.type] = {
      name: spec.type,
      title: `${spec.type} v${spec.version}`,
      summary: `A CloudEvents 1.0 event in structured mode: the whole event is the Kafka message value`,
      contentType: 'application/cloudevents+json',
      payload: {
        type: 'object',
        required: [
          'specversion',
          'id',
          'source',
          'type',
          'time',
          'subject',
          'datacontenttype',
          'dataschema',
          'data',
        ],
        properties: {
          specversion: { const: '1.0' },
          id: { type: 'string', minLength: 1 },
          source: { type: 'string', const: `/support-center/${PUBLISHERS[topic]}` },
          type: { const: spec.type },
          time: { type: 'string', format: 'date-time' },
          subject: { type: 'string', description: 'The aggregate id, also the Kafka message key' },
          datacontenttype: { const: 'application/json' },
          dataschema: { const: dataSchemaUri(spec.type, spec.version) },
          data: payloadSchema(spec.data, 'output'),
        },
      },
      bindings: {
        kafka: { key: { type: 'string', description: 'The aggregate id' }, bindingVersion: '0.5.0' },
      },
      'x-event-version': spec.version,
    };
  }
  return messages;
}

export interface AsyncApiOptions {
  version: string;
}

export type AsyncApiDocument = ReturnType<typeof asyncApiDocument>;

/** The AsyncAPI 3.0 document, as `GET /api/v1/asyncapi.json` serves it and docs/api/asyncapi.json holds it. */
export function asyncApiDocument({ version }: AsyncApiOptions) {
  const chatClientFrames = frames('chatClient', CHAT_CLIENT_FRAMES, 'input');
  const chatServerFrames = frames('chatServer', CHAT_SERVER_FRAMES, 'output');
  const notificationFrames = frames('notificationServer', NOTIFICATION_SERVER_FRAMES, 'output');
  const chatClient = chatClientFrames.messages;
  const chatServer = chatServerFrames.messages;
  const notificationServer = notificationFrames.messages;

  const channels: Record<string, unknown> = {
    chat: {
      address: ENDPOINTS.chat,
      title: 'Ticket chat',
      description:
        'One socket, any number of ticket rooms: `join` a room (answered with its latest messages as ' +
        '`history`), post `message`s, `resync` after a gap in `seq`, `leave`. Bad frames are answered ' +
        'with an `error` frame and the socket stays open. ' +
        CONNECT_TEXT +
        closeCodesText(),
      servers: [ref('#/servers/realtime'), ref('#/servers/gateway')],
      messages: Object.fromEntries(
        Object.keys({ ...chatClient, ...chatServer }).map((name) => [
          name,
          ref(`#/components/messages/${escape(name)}`),
        ]),
      ),
      bindings: wsBindings,
      'x-close-codes': CLOSE_CODE_DOCS,
    },
    notifications: {
      address: ENDPOINTS.notifications,
      title: "The user's notifications",
      description:
        'Sends `unread` (the unread count) on connect, then one `notification` per event about the ' +
        "user's tickets (never about the user's own actions). It accepts no frames: any is answered " +
        'with an `error` frame. ' +
        CONNECT_TEXT +
        closeCodesText(),
      servers: [ref('#/servers/realtime'), ref('#/servers/gateway')],
      messages: Object.fromEntries(
        Object.keys(notificationServer).map((name) => [name, ref(`#/components/messages/${escape(name)}`)]),
      ),
      bindings: wsBindings,
      'x-close-codes': CLOSE_CODE_DOCS.filter(({ code }) => code !== QUEUE_OVERFLOW_CLOSE),
    },
  };
  const operations: Record<string, unknown> = {
    receiveChatFrame: {
      action: 'receive',
      title: 'A client sends a chat frame',
      channel: ref('#/channels/chat'),
      messages: Object.keys(chatClient).map((name) => ref(`#/channels/chat/messages/${escape(name)}`)),
    },
    sendChatFrame: {
      action: 'send',
      title: 'The server sends a chat frame',
      channel: ref('#/channels/chat'),
      messages: Object.keys(chatServer).map((name) => ref(`#/channels/chat/messages/${escape(name)}`)),
    },
    sendNotificationFrame: {
      action: 'send',
      title: 'The server sends a notification frame',
      channel: ref('#/channels/notifications'),
      messages: Object.keys(notificationServer).map((name) =>
        ref(`#/channels/notifications/messages/${escape(name)}`),
      ),
    },
  };
  const eventMessagesByName: Record<string, Message> = {};
  for (const topic of Object.values(TOPICS)) {
    const messages = eventMessages(topic);
    Object.assign(eventMessagesByName, messages);
    channels[`topic.${topic}`] = {
      address: topic,
      title: `Kafka topic ${topic}`,
      description:
        `Published by the ${PUBLISHERS[topic]} service, keyed by the aggregate id so one aggregate's ` +
        `events stay in order. Every name takes the \`KAFKA_TOPIC_PREFIX\` in front. Events a ` +
        `consumer cannot handle go to \`${topic}.dlq\`, unchanged.`,
      servers: [ref('#/servers/kafka')],
      messages: Object.fromEntries(
        Object.keys(messages).map((name) => [name, ref(`#/components/messages/${escape(name)}`)]),
      ),
    };
    operations[`publish.${topic}`] = {
      action: 'send',
      title: `The ${PUBLISHERS[topic]} service publishes to ${topic}`,
      channel: ref(`#/channels/topic.${topic}`),
      messages: Object.keys(messages).map((name) =>
        ref(`#/channels/${escape(`topic.${topic}`)}/messages/${escape(name)}`),
      ),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Support Center realtime protocols and events',
      version,
      description:
        'The WebSocket protocols of the realtime service (`/chat`, `/ws/notifications`) and the ' +
        'Kafka topics the services publish CloudEvents on.',
    },
    defaultContentType: 'application/json',
    servers: {
      realtime: { host: 'localhost:8004', protocol: 'ws', description: 'The realtime service' },
      gateway: {
        host: 'localhost:8000',
        protocol: 'ws',
        description: 'The gateway: one origin for everything',
      },
      kafka: { host: 'localhost:9092', protocol: 'kafka', description: 'The Kafka cluster' },
    },
    channels,
    operations,
    components: {
      messages: { ...chatClient, ...chatServer, ...notificationServer, ...eventMessagesByName },
      schemas: { ...chatClientFrames.payloads, ...chatServerFrames.payloads, ...notificationFrames.payloads },
    },
  };
}

/** The path realtime serves the document at. */
export const ASYNCAPI_PATH = '/api/v1/asyncapi.json';
