import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

/** Serves the exposition; with a token configured, only to `Authorization: Bearer <token>`. */
export function metricsEndpoint(
  render: (req: IncomingMessage, res: ServerResponse) => void,
  token: string | undefined,
): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return function metrics(req, res, next) {
    if (expected && !matches(req.get('authorization'), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      next(new AppError('UNAUTHORIZED', { message: 'A valid metrics bearer token is required' }));
      return;
    }
    render(req, res);
  };
}

function matches(header: string | undefined, expected: Buffer): boolean {
  if (header === undefined) return false;
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
