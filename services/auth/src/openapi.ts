import { z } from 'zod';
import { createUserBody, listUsersQuery, updateUserBody, userView } from './domain/users';
import { assigneePage, listAssigneesQuery } from './domain/assignees';
import { loginBody, logoutBody, refreshBody, tokenResponse } from './domain/login';
import { changePasswordBody } from './domain/password-change';

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => ({
  'application/json': {
    schema: z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }),
  },
});
const body = (schema: z.ZodType) => ({ required: true, content: json(schema, 'input') });
const ok = (description: string, schema?: z.ZodType) => ({
  description,
  ...(schema ? { content: json(schema) } : {}),
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: 'Error', content: json(errorBody) }]));
const bearer = [{ bearer: [] }];
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** The API description, generated from the same zod schemas the handlers validate with. */
export function openApiDocument(version: string) {
  const queryParameters = parametersOf(listUsersQuery.shape);
  return {
    openapi: '3.0.3',
    info: { title: 'Support Center auth service', version },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    paths: {
      '/api/v1/auth/login': {
        post: {
          summary: 'Log in with a password or through LDAP',
          requestBody: body(loginBody),
          responses: { 200: ok('Tokens', tokenResponse), ...errors(400, 401, 413, 415, 422, 429, 503) },
        },
      },
      '/api/v1/auth/refresh': {
        post: {
          summary: 'Exchange a refresh token (rotated; reuse revokes the session)',
          requestBody: body(refreshBody),
          responses: { 200: ok('Tokens', tokenResponse), ...errors(400, 401, 415, 422) },
        },
      },
      '/api/v1/auth/logout': {
        post: {
          summary: 'End the session of the refresh token in the body, or of the bearer token',
          security: bearer,
          requestBody: { required: false, content: json(logoutBody, 'input') },
          responses: { 204: ok('Logged out'), ...errors(400, 401, 415, 422) },
        },
      },
      '/api/v1/auth/password': {
        post: {
          summary:
            "Change one's own password (the current one required; counted in the lockout like a login). The caller's other sessions end, each revoked everywhere (`session.revoked`, reason `password_changed`)",
          security: bearer,
          requestBody: body(changePasswordBody),
          responses: {
            204: ok('Changed; the other sessions ended'),
            ...errors(400, 401, 409, 413, 415, 422, 429),
          },
        },
      },
      '/api/v1/auth/logout-all': {
        post: {
          summary:
            'Log out everywhere: every session of the caller ends, this one included, each revoked everywhere',
          security: bearer,
          responses: { 204: ok('Logged out everywhere'), ...errors(401) },
        },
      },
      '/api/v1/auth/me': {
        get: {
          summary: 'The caller',
          security: bearer,
          responses: { 200: ok('The user', userView), ...errors(401) },
        },
      },
      '/.well-known/jwks.json': {
        get: { summary: 'Public keys of the access tokens', responses: { 200: ok('JSON Web Key Set') } },
      },
      '/api/v1/users': {
        post: {
          summary: 'Create a user (admin)',
          security: bearer,
          requestBody: body(createUserBody),
          responses: { 201: ok('The user', userView), ...errors(400, 401, 403, 409, 413, 415, 422) },
        },
        get: {
          summary: 'List users (admin), filtered, by pages',
          security: bearer,
          parameters: queryParameters,
          responses: {
            200: ok('A page', z.object({ items: z.array(userView), nextCursor: z.string().nullable() })),
            ...errors(401, 403, 422),
          },
        },
      },
      '/api/v1/users/assignees': {
        get: {
          summary:
            'Who may be assigned a ticket (agents and admins): active agents and admins by display name, searchable, by pages',
          security: bearer,
          parameters: parametersOf(listAssigneesQuery.shape),
          responses: { 200: ok('A page', assigneePage), ...errors(401, 403, 422) },
        },
      },
      '/api/v1/users/{id}': {
        get: {
          summary: 'One user (admin)',
          security: bearer,
          parameters: [idParam],
          responses: { 200: ok('The user', userView), ...errors(401, 403, 404, 422) },
        },
        patch: {
          summary: 'Change a user (admin); `active: false` deactivates and ends their sessions',
          security: bearer,
          parameters: [idParam],
          requestBody: body(updateUserBody),
          responses: { 200: ok('The user', userView), ...errors(400, 401, 403, 404, 413, 415, 422) },
        },
      },
    },
  };
}

/** Query parameters from a query schema's fields, as clients send them (strings). */
function parametersOf(shape: Record<string, z.ZodType>) {
  return Object.entries(shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }),
  }));
}
