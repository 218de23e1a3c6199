import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors';

/** A route that takes another kind of body than JSON, such as a multipart upload. */
export interface OtherBody {
  method: 'POST' | 'PUT' | 'PATCH';
  /** The route's path as mounted (no parameters), compared as Express routes it. */
  path: string;
  /** The media types it accepts instead of JSON (`req.is` syntax: `multipart/form-data`). */
  types: readonly string[];
}

const JSON_TYPES = ['application/json'] as const;

/**
 * Every body must be JSON unless its route said otherwise: one 415 for all services, before the
 * body is read. Without this check a text/plain body is simply not parsed and reaches the route
 * as "no body", which then answers 422 for missing fields instead of naming the real problem.
 */
export function bodyTypes(otherBodies: readonly OtherBody[] = []): RequestHandler {
  return (req, _res, next) => {
    if (!carriesBody(req)) return next();
    const route = otherBodies.find((other) => other.method === req.method && samePath(other.path, req.path));
    const types = route?.types ?? JSON_TYPES;
    if (req.is([...types])) return next();
    const expected = types.join(' or ');
    next(
      new AppError('UNSUPPORTED_MEDIA_TYPE', {
        message: `The body must be ${expected}`,
        details: [{ field: 'body', message: `must be ${expected}` }],
      }),
    );
  };
}

/** A body is there when it is chunked or has a length: an empty POST (logout) carries none. */
function carriesBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/** Express routes case-insensitively and ignores a trailing slash (its defaults, which the kit keeps). */
function samePath(route: string, path: string): boolean {
  const normalise = (p: string) => p.replace(/\/+$/, '').toLowerCase();
  return normalise(route) === normalise(path);
}
