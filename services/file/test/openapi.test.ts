import express, { type RequestHandler } from 'express';
import { servedOpenApiProblems } from '@support-center/service-kit';
import { fileRoutes } from '../src/app';

/** The file routes alone: no request reaches a handler but the document's. */
function routesOnly() {
  const app = express();
  const unused = {} as never;
  fileRoutes({
    auth: { requireAuth: (): RequestHandler => (_req, _res, next) => next() } as never,
    ...{ files: unused, objects: unused, tickets: unused, relay: unused, metrics: unused, logger: unused },
    ...{ maxBytes: 1, nameMaxBytes: 1, unknownTicketWaitMs: 0, version: '0.0.0-test' },
  })(app);
  return app;
}

describe('the file OpenAPI document', () => {
  it('is OpenAPI 3.1, describes exactly the routes served, and its examples fit their schemas', async () => {
    const { document, problems } = await servedOpenApiProblems(routesOnly());

    expect(problems).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes the upload as multipart/form-data, ranges, and errors in the shared shape', async () => {
    const { document } = await servedOpenApiProblems(routesOnly());

    const upload = (
      document.paths?.['/api/v1/files'] as {
        post: { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
      }
    ).post;
    expect(upload.requestBody.content['multipart/form-data']?.schema.required).toEqual(['ticketId', 'file']);
    const download = (
      document.paths?.['/api/v1/files/{id}'] as { get: { responses: Record<string, unknown> } }
    ).get.responses;
    expect(Object.keys(download)).toEqual(expect.arrayContaining(['200', '206', '404', '416']));
    expect(download['416']).toMatchObject({
      headers: { 'Content-Range': {} },
      content: {
        'application/json': {
          schema: { properties: { error: { required: ['code', 'message'] } } },
          example: { error: { code: 'RANGE_NOT_SATISFIABLE' } },
        },
      },
    });
  });
});
