import cors from 'cors';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { AppError } from '../errors';

/** Headers for a JSON API: nothing may be framed, sniffed, or loaded from it as a page. */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

/** CORS for the frontends' origins; with none configured no CORS header is sent (same origin only). */
export function corsPolicy(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: origins.includes('*') ? true : [...origins],
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition', 'Content-Range'],
    maxAge: 600,
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Limits writes (anything but GET, HEAD, OPTIONS) per client address and minute, so one client
 * cannot flood a service with writes; past the limit a 429 with Retry-After. Per instance.
 */
export function writeRateLimit(perMinute: number): RequestHandler | undefined {
  if (perMinute === 0) return undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => SAFE_METHODS.has(req.method),
    handler: (_req, res, next) => {
      const resetSeconds = Number(res.getHeader('Retry-After') ?? 60);
      next(
        new AppError('RATE_LIMITED', {
          message: `Too many writes from this address; retry in ${resetSeconds} s`,
          headers: { 'Retry-After': String(resetSeconds) },
        }),
      );
    },
  });
}
