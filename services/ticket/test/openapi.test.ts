import express from 'express';
import { servedOpenApiProblems } from '@support-center/service-kit';
import { ticketRoutes } from '../src/app';
import type { TicketService } from '../src/tickets';

describe('the ticket OpenAPI document', () => {
  it('is OpenAPI 3.1, describes exactly the routes served, and its examples fit their schemas', async () => {
    const app = express();
    ticketRoutes({
      // Only the routes are mounted here: no request reaches a handler but the document's.
      tickets: {} as TicketService,
      auth: { requireAuth: () => (_req, _res, next) => next() },
      version: '0.0.0-test',
    })(app);

    const { document, problems } = await servedOpenApiProblems(app);

    expect(problems).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });
});
