import { z } from 'zod';
import {
  bearerSecurity as bearer,
  emptyResponse,
  errorResponses as errors,
  jsonBody as body,
  jsonResponse as ok,
  openApiDocument as buildDocument,
  pathParameter,
  queryParameters,
} from '@support-center/service-kit';
import { createUserBody, listUsersQuery, updateUserBody, userIdParam, userView } from './domain/users';
import { assigneePage, listAssigneesQuery } from './domain/assignees';
import { loginBody, logoutBody, refreshBody, tokenResponse } from './domain/login';
import { changePasswordBody } from './domain/password-change';

const idParam = pathParameter('id', userIdParam);
const userPage = z.object({ items: z.array(userView), nextCursor: z.string().nullable() });

/** RFC 7517 key sets: the fields clients use, others allowed. */
const jwks = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.string(),
      kid: z.string(),
      alg: z.string().optional(),
      use: z.string().optional(),
    }),
  ),
});

const AT = '2026-03-02T09:15:00.000Z';
const userExample: z.output<typeof userView> = {
  id: '65f1c0ffee0000000000b001',
  username: 'alice',
  displayName: 'Alice Martin',
  email: 'alice@example.com',
  role: 'employee',
  active: true,
  loginMethod: 'password',
  createdAt: AT,
  updatedAt: AT,
};
const tokensExample: z.output<typeof tokenResponse> = {
  accessToken: 'eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiI2NWYxIn0.c2lnbmF0dXJl',
  refreshToken: 'rt_3q2-7wEAAQ',
  expiresIn: 900,
  tokenType: 'Bearer',
  user: { id: userExample.id, username: 'alice', role: 'employee' },
};

/** The API description, generated from the same zod schemas the handlers validate with. */
export function openApiDocument(version: string) {
  return buildDocument({
    title: 'Support Center auth service',
    version,
    paths: {
      '/api/v1/auth/login': {
        post: {
          summary: 'Log in with a password or through LDAP',
          requestBody: body(loginBody, { username: 'alice', password: 'correct horse battery' }),
          responses: {
            200: ok('Tokens', tokenResponse, tokensExample),
            ...errors([400, 401, 413, 415, 422, 429, 503]),
          },
        },
      },
      '/api/v1/auth/refresh': {
        post: {
          summary: 'Exchange a refresh token (rotated; reuse revokes the session)',
          requestBody: body(refreshBody, { refreshToken: 'rt_3q2-7wEAAQ' }),
          responses: { 200: ok('Tokens', tokenResponse, tokensExample), ...errors([400, 401, 415, 422]) },
        },
      },
      '/api/v1/auth/logout': {
        post: {
          summary: 'End the session of the refresh token in the body, or of the bearer token',
          security: bearer,
          requestBody: body(logoutBody, { refreshToken: 'rt_3q2-7wEAAQ' }, false),
          responses: { 204: emptyResponse('Logged out'), ...errors([400, 401, 415, 422]) },
        },
      },
      '/api/v1/auth/password': {
        post: {
          summary:
            "Change one's own password (the current one required; counted in the lockout like a login). The caller's other sessions end, each revoked everywhere (`session.revoked`, reason `password_changed`)",
          security: bearer,
          requestBody: body(changePasswordBody, {
            currentPassword: 'correct horse battery',
            newPassword: 'a longer staple passphrase',
          }),
          responses: {
            204: emptyResponse('Changed; the other sessions ended'),
            ...errors([400, 401, 409, 413, 415, 422, 429]),
          },
        },
      },
      '/api/v1/auth/logout-all': {
        post: {
          summary:
            'Log out everywhere: every session of the caller ends, this one included, each revoked everywhere',
          security: bearer,
          responses: { 204: emptyResponse('Logged out everywhere'), ...errors([401]) },
        },
      },
      '/api/v1/auth/me': {
        get: {
          summary: 'The caller',
          security: bearer,
          responses: { 200: ok('The user', userView, userExample), ...errors([401]) },
        },
      },
      '/.well-known/jwks.json': {
        get: {
          summary: 'Public keys of the access tokens',
          responses: {
            200: ok('JSON Web Key Set', jwks, {
              keys: [
                {
                  kty: 'OKP',
                  crv: 'Ed25519',
                  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
                  kid: 'k1',
                  alg: 'EdDSA',
                  use: 'sig',
                },
              ],
            }),
          },
        },
      },
      '/api/v1/users': {
        post: {
          summary: 'Create a user (admin)',
          security: bearer,
          requestBody: body(createUserBody, {
            username: 'alice',
            password: 'correct horse battery',
            role: 'employee',
            displayName: 'Alice Martin',
            email: 'alice@example.com',
          }),
          responses: {
            201: ok('The user', userView, userExample),
            ...errors([400, 401, 403, 409, 413, 415, 422]),
          },
        },
        get: {
          summary: 'List users (admin), filtered, by pages',
          security: bearer,
          parameters: queryParameters(listUsersQuery),
          responses: {
            200: ok('A page', userPage, { items: [userExample], nextCursor: null }),
            ...errors([401, 403, 422]),
          },
        },
      },
      '/api/v1/users/assignees': {
        get: {
          summary:
            'Who may be assigned a ticket (agents and admins): active agents and admins by display name, searchable, by pages',
          security: bearer,
          parameters: queryParameters(listAssigneesQuery),
          responses: {
            200: ok('A page', assigneePage, {
              items: [
                { id: '65f1c0ffee0000000000b002', username: 'bob', displayName: 'Bob Agent', role: 'agent' },
              ],
              nextCursor: null,
            }),
            ...errors([401, 403, 422]),
          },
        },
      },
      '/api/v1/users/{id}': {
        get: {
          summary: 'One user (admin)',
          security: bearer,
          parameters: [idParam],
          responses: { 200: ok('The user', userView, userExample), ...errors([401, 403, 404, 422]) },
        },
        patch: {
          summary: 'Change a user (admin); `active: false` deactivates and ends their sessions',
          security: bearer,
          parameters: [idParam],
          requestBody: body(updateUserBody, { displayName: 'Alice Martin-Durand' }),
          responses: {
            200: ok('The user', userView, userExample),
            ...errors([400, 401, 403, 404, 413, 415, 422]),
          },
        },
      },
    },
  });
}
