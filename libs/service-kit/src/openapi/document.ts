import type { Express } from 'express';
import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from '../errors';

/**
 * Pieces of an OpenAPI 3.1 document built from the zod schemas the routes validate with, so the
 * description cannot drift from what the handlers accept and answer. Schemas are JSON Schema
 * 2020-12, the dialect OpenAPI 3.1 uses.
 */

/** The shape of every error answer (the kit's error handler writes it). */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

type Io = 'input' | 'output';
export type JsonSchema = Record<string, unknown>;

/** The JSON Schema (2020-12) of a zod schema: `input` for what clients send, `output` for answers. */
export function jsonSchema(schema: z.ZodType, io: Io = 'output'): JsonSchema {
  // Embedded schemas take the document's dialect; a $schema per schema would only repeat it.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** A JSON request body, with an example (checked against the schema by the conformance test). */
export function jsonBody<S extends z.ZodType>(schema: S, example: z.input<S>, required = true) {
  return {
    required,
    content: { 'application/json': { schema: jsonSchema(schema, 'input'), example } },
  };
}

/** A JSON answer, with an example. */
export function jsonResponse<S extends z.ZodType>(description: string, schema: S, example: z.output<S>) {
  return { description, content: { 'application/json': { schema: jsonSchema(schema), example } } };
}

/** An answer without a body (204). */
export function emptyResponse(description: string) {
  return { description };
}

/** The error code the kit answers with for each status, for the examples. */
const CODE_OF_STATUS = new Map<number, ErrorCode>(
  (Object.entries(ERROR_CATALOG) as [ErrorCode, { status: number }][])
    .reverse() // the first code listed for a status wins (400 → BAD_REQUEST, not INVALID_JSON)
    .map(([code, { status }]) => [status, code]),
);

/**
 * Error answers in the shared shape, keyed by status. A description says when the status happens;
 * a bare status takes the catalog's message.
 */
export function errorResponses(
  statuses: Record<number, string | { description: string; code: string }> | readonly number[],
) {
  const entries: [number, string | { description: string; code: string }][] = Array.isArray(statuses)
    ? (statuses as readonly number[]).map((status) => [status, defaultDescription(status)])
    : Object.entries(statuses).map(([status, d]) => [Number(status), d]);
  return Object.fromEntries(
    entries.map(([status, described]) => {
      const { description, code } =
        typeof described === 'string'
          ? { description: described, code: CODE_OF_STATUS.get(status) ?? 'ERROR' }
          : described;
      const message = ERROR_CATALOG[code as ErrorCode]?.message ?? description;
      return [
        String(status),
        {
          description,
          content: {
            'application/json': {
              schema: jsonSchema(errorBodySchema),
              example: { error: { code, message } },
            },
          },
        },
      ];
    }),
  );
}

function defaultDescription(status: number): string {
  const code = CODE_OF_STATUS.get(status);
  return code ? ERROR_CATALOG[code].message : `Error ${status}`;
}

/** Query parameters from a query schema's fields, as clients send them. */
export function queryParameters(query: z.ZodObject) {
  return Object.entries(query.shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !(schema as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(schema as z.ZodType, 'input'),
  }));
}

/** A required path parameter. */
export function pathParameter(name: string, schema: z.ZodType = z.string(), description?: string) {
  return {
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(schema, 'input'),
    ...(description ? { description } : {}),
  };
}

export const bearerSecurity = [{ bearer: [] }];

export interface OpenApiDocumentOptions {
  title: string;
  version: string;
  description?: string;
  paths: Record<string, unknown>;
  /** Whether every operation needs a bearer token unless it says otherwise (`security: []`). */
  bearerByDefault?: boolean;
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

/** An OpenAPI 3.1 document; the bearer scheme is always declared. */
export function openApiDocument(options: OpenApiDocumentOptions) {
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      ...(options.description ? { description: options.description } : {}),
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    ...(options.bearerByDefault ? { security: bearerSecurity } : {}),
    paths: options.paths,
  };
}

/** The path every service serves its document at. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/** Serves the document (serialised once) at `GET /api/v1/openapi.json`. */
export function serveOpenApi(app: Express, document: object): void {
  const body = JSON.stringify(document);
  app.get(OPENAPI_PATH, (_req, res) => {
    res.type('application/json').send(body);
  });
}
