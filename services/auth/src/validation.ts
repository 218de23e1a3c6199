import type { Request } from 'express';
import type { z } from 'zod';
import { AppError, ValidationError } from '@support-center/service-kit';

/** The JSON body, validated; 415 when it is not JSON, 422 naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  if (!req.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', { message: 'The body must be application/json' });
  }
  return parse(schema, req.body ?? {}, 'body');
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : where,
      message: issue.message,
    })),
  );
}
