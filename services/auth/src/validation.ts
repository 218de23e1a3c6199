import type { Request } from 'express';
import type { z } from 'zod';
import { AppError, parseInput } from '@support-center/service-kit';

/** The JSON body, validated; 415 when it is not JSON, 422 naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  if (!req.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', { message: 'The body must be application/json' });
  }
  return parseInput(schema, req.body, 'body');
}
