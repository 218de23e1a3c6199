import express, { type RequestHandler } from 'express';
import { servedOpenApiProblems } from '@support-center/service-kit';
import { realtimeRoutes } from '../src/routes';

describe('the realtime OpenAPI document', () => {
  it('is OpenAPI 3.1, describes exactly the routes served, and its examples fit their schemas', async () => {
    const app = express();
    // Only the routes are mounted here: no request reaches a handler but the document's.
    const unused = {} as never;
    realtimeRoutes({
      auth: { requireAuth: (): RequestHandler => (_req, _res, next) => next() },
      ...{ store: unused, tickets: unused, notifications: unused, version: '0.0.0-test' },
    })(app);

    const { document, problems } = await servedOpenApiProblems(app);

    expect(problems).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });
});
