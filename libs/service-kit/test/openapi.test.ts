import express from 'express';
import { z } from 'zod';
import {
  emptyResponse,
  errorResponses,
  jsonBody,
  jsonResponse,
  openApiDocument,
  openApiProblems,
  pathParameter,
  servedOpenApiProblems,
  serveOpenApi,
} from '../src';

const note = z.object({ id: z.string(), text: z.string().min(1), at: z.iso.datetime() });

function documentFor(overrides: { example?: unknown; parameters?: unknown[]; ref?: string } = {}) {
  return openApiDocument({
    title: 'notes',
    version: '1.0.0',
    bearerByDefault: true,
    paths: {
      '/api/v1/notes/{id}': {
        parameters: overrides.parameters ?? [pathParameter('id')],
        get: {
          responses: {
            '200': {
              ...jsonResponse('A note', note, { id: 'n1', text: 'hi', at: '2026-01-01T00:00:00.000Z' }),
              ...(overrides.example === undefined
                ? {}
                : {
                    content: {
                      'application/json': {
                        schema: { $ref: '#/components/schemas/note' },
                        example: overrides.example,
                      },
                    },
                  }),
            },
            ...errorResponses([401, 404]),
          },
        },
        put: {
          requestBody: jsonBody(note.pick({ text: true }), { text: 'hello' }),
          responses: { '204': emptyResponse('Saved'), ...errorResponses({ 422: 'Bad fields' }) },
          ...(overrides.ref ? { callbacks: { $ref: overrides.ref } } : {}),
        },
      },
    },
  });
}

function appServing(...routes: string[]) {
  const app = express();
  for (const route of routes) {
    const [method, path] = route.split(' ') as [string, string];
    (app as unknown as Record<string, (p: string, h: express.RequestHandler) => void>)[
      method.toLowerCase()
    ]?.(path, (_req, res) => res.end());
  }
  return app;
}

describe('OpenAPI conformance', () => {
  const both = ['GET /api/v1/notes/:id', 'PUT /api/v1/notes/:id'];

  it('finds nothing wrong with a document that matches its app', () => {
    expect(openApiProblems(appServing(...both), documentFor())).toEqual([]);
  });

  it('names a route served but not documented, and one documented but not served', () => {
    expect(openApiProblems(appServing(both[0] as string, 'DELETE /api/v1/notes/:id'), documentFor())).toEqual(
      [
        'DELETE /api/v1/notes/{id}: served but not documented',
        'PUT /api/v1/notes/{id}: documented but not served',
      ],
    );
  });

  it('leaves probes, metrics and the document itself out', () => {
    expect(
      openApiProblems(appServing(...both, 'GET /health', 'GET /ready', 'GET /metrics'), documentFor()),
    ).toEqual([]);
  });

  it('names an example its schema rejects, through a $ref too', () => {
    const doc = documentFor({ example: { id: 'n1', text: '', at: 'yesterday' } });
    (doc.components as Record<string, unknown>).schemas = { note: z.toJSONSchema(note) };
    const problems = openApiProblems(appServing(...both), doc);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^#\/paths\/~1api~1v1~1notes~1\{id\}\/get\/responses\/200\/content\/application~1json\/example: /,
    );
    expect(problems[0]).toMatch(/text/);
    expect(problems[0]).toMatch(/at/);
  });

  it('names a $ref that leads nowhere', () => {
    expect(openApiProblems(appServing(...both), documentFor({ ref: '#/components/callbacks/none' }))).toEqual(
      ['#/paths/~1api~1v1~1notes~1{id}/put/callbacks: $ref #/components/callbacks/none resolves to nothing'],
    );
  });

  it('names a path parameter not declared, and one declared but not in the path', () => {
    expect(
      openApiProblems(appServing(...both), documentFor({ parameters: [pathParameter('noteId')] })),
    ).toEqual([
      'GET /api/v1/notes/{id}: path parameter id is not declared (in: path, required: true)',
      'GET /api/v1/notes/{id}: path parameter noteId is not in the path',
      'PUT /api/v1/notes/{id}: path parameter id is not declared (in: path, required: true)',
      'PUT /api/v1/notes/{id}: path parameter noteId is not in the path',
    ]);
  });

  it('wants OpenAPI 3.1, a title and a version, and examples of JSON bodies and answers', () => {
    const doc = documentFor() as Record<string, unknown>;
    const get = (doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
      '/api/v1/notes/{id}'
    ]?.get;
    (get?.responses['200'] as { content: Record<string, Record<string, unknown>> }).content[
      'application/json'
    ] = {
      schema: {},
    };
    expect(
      openApiProblems(appServing(...both), { ...doc, openapi: '3.0.3', info: { title: 'notes' } }),
    ).toEqual([
      'openapi: 3.0.3 is not 3.1.x',
      'info: title and version are required',
      'GET /api/v1/notes/{id} 200: the JSON answer has no example',
    ]);
  });

  it('reads the document as clients get it', async () => {
    const app = appServing(...both);
    serveOpenApi(app, documentFor());
    const { document, problems } = await servedOpenApiProblems(app);
    expect(problems).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
    // Error answers carry the shared shape, with the catalog's code as the example.
    const responses = (
      document.paths?.['/api/v1/notes/{id}'] as { get: { responses: Record<string, unknown> } }
    ).get.responses;
    expect(responses['404']).toMatchObject({
      content: { 'application/json': { example: { error: { code: 'NOT_FOUND' } } } },
    });
  });
});
