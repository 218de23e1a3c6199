import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { Parser } from '@asyncapi/parser';
import { EVENT_SPECS } from '@support-center/events';
import { ASYNCAPI_PATH, asyncApiDocument } from '../src/asyncapi';
import {
  CHAT_CLIENT_FRAMES,
  CHAT_SERVER_FRAMES,
  NOTIFICATION_SERVER_FRAMES,
  frameType,
} from '../src/asyncapi/frames';
import { CLOSE_CODES } from '../src/ws/server';
import { QUEUE_OVERFLOW_CLOSE } from '../src/ws/chat';
import { realtimeRoutes } from '../src/routes';

const types = (frames: readonly unknown[]) => frames.map((f) => frameType(f as never)).sort();

describe('the AsyncAPI document', () => {
  const document = asyncApiDocument({ version: '0.0.0-test' });
  const parse = () => new Parser().parse(JSON.stringify(document));

  it('is valid AsyncAPI 3.0 for the AsyncAPI parser, without an error diagnostic', async () => {
    const { document: parsed, diagnostics } = await parse();
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
  });

  it('describes every client and server frame of /chat and /ws/notifications', async () => {
    const { document: parsed } = await parse();
    const messagesOf = (address: string) =>
      parsed!
        .channels()
        .all()
        .find((c) => c.address() === address)!
        .messages()
        .all()
        .map((m) => m.name()!);
    const chat = messagesOf('/chat');
    const notifications = messagesOf('/ws/notifications');
    expect(
      chat
        .filter((n) => n.startsWith('chatClient.'))
        .map((n) => n.split('.')[1])
        .sort(),
    ).toEqual(types(CHAT_CLIENT_FRAMES));
    expect(
      chat
        .filter((n) => n.startsWith('chatServer.'))
        .map((n) => n.split('.')[1])
        .sort(),
    ).toEqual(types(CHAT_SERVER_FRAMES));
    expect(notifications.map((n) => n.split('.')[1]).sort()).toEqual(types(NOTIFICATION_SERVER_FRAMES));
    // Client frames in, server frames out, from the server's point of view.
    const receive = parsed!
      .operations()
      .all()
      .filter((o) => o.action() === 'receive');
    expect(
      receive.flatMap((o) =>
        o
          .messages()
          .all()
          .map((m) => m.name()),
      ),
    ).toEqual(chat.filter((n) => n.startsWith('chatClient.')));
  });

  it('names every close code the server uses', () => {
    const codes = document.channels.chat as { 'x-close-codes': { code: number }[]; description: string };
    for (const code of [...Object.values(CLOSE_CODES), QUEUE_OVERFLOW_CLOSE]) {
      expect(codes['x-close-codes'].map((c) => c.code)).toContain(code);
      expect(codes.description).toContain(`\`${code}\``);
    }
  });

  it('describes every event type on its topic with its version and data schema', async () => {
    const { document: parsed } = await parse();
    for (const spec of EVENT_SPECS.values()) {
      const channel = parsed!
        .channels()
        .all()
        .find((c) => c.address() === spec.topic);
      const message = channel
        ?.messages()
        .all()
        .find((m) => m.name() === spec.type);
      expect(message).toBeDefined();
      const payload = message!.payload()!.json() as {
        properties: { type: { const: string }; dataschema: { const: string }; data: unknown };
      };
      expect(payload.properties.type.const).toBe(spec.type);
      expect(payload.properties.dataschema.const).toBe(
        `urn:support-center:events:${spec.type}:v${spec.version}`,
      );
      expect(payload.properties.data).toMatchObject({ type: 'object' });
    }
  });

  it('is served at GET /api/v1/asyncapi.json', async () => {
    const app = express();
    const unused = {} as never;
    realtimeRoutes({
      auth: { requireAuth: (): RequestHandler => (_req, _res, next) => next() },
      ...{ store: unused, tickets: unused, notifications: unused, version: '0.0.0-test' },
    })(app);
    const response = await request(app).get(ASYNCAPI_PATH).expect(200);
    expect(response.type).toBe('application/json');
    expect(response.body).toEqual(document);
  });
});
