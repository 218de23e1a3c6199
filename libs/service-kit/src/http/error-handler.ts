import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ERROR_CATALOG, type ErrorCode } from '../errors';

/** What body-parser's errors mean for the client, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, ErrorCode> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'request.aborted': 'BAD_REQUEST',
  'request.size.invalid': 'BAD_REQUEST',
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', { message: `No route for ${req.method} ${req.path}` }));
};

/** The one place errors become responses: `{"error": {"code", "message", "details?"}}`. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = toAppError(error);
  if (appError.statusCode >= 500) req.log.error({ err: error }, appError.message);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
  const body: { code: ErrorCode; message: string; details?: unknown } = {
    code: appError.code,
    message: appError.message,
  };
  if (appError.details !== undefined) body.details = appError.details;
  res.status(appError.statusCode).json({ error: body });
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  const code = typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
  if (code) return new AppError(code, { cause: error, message: bodyParserMessage(code) });
  // Anything else is our fault; its message may hold internals, so the client gets the generic one.
  return new AppError('INTERNAL', { cause: error });
}

function bodyParserMessage(code: ErrorCode): string {
  return ERROR_CATALOG[code].message;
}
