import type { Express, RequestHandler } from 'express';
import { AppError, parseInput, requireRole } from '@support-center/service-kit';
import type { TokenSigner } from './credentials/tokens';
import { listAssigneesQuery } from './domain/assignees';
import { loginBody, logoutBody, refreshBody } from './domain/login';
import { changePasswordBody } from './domain/password-change';
import { createUserBody, listUsersQuery, toUserView, updateUserBody, userIdParam } from './domain/users';
import type { LoginFlows } from './login';
import { openApiDocument } from './openapi';
import type { SelfService } from './self-service';
import type { UserStore } from './store/users';
import type { UserAdmin } from './user-admin';
import { parseBody } from './validation';

export interface AuthRoutesOptions {
  flows: LoginFlows;
  admin: UserAdmin;
  self: SelfService;
  users: UserStore;
  signer: TokenSigner;
  version: string;
}

const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/;

/** The auth service's HTTP surface (docs/architecture.md, "API shapes"). */
export function authRoutes(options: AuthRoutesOptions): (app: Express) => void {
  const { flows, admin, self, users, signer } = options;

  /** Verifies the access token with the service's own keys (no JWKS round trip) and sets req.user. */
  const authenticate =
    (optional = false): RequestHandler =>
    async (req, _res, next) => {
      const match = BEARER.exec(req.get('authorization') ?? '');
      if (!match?.[1]) {
        if (optional) return next();
        throw new AppError('UNAUTHORIZED', {
          message: 'A bearer access token is required',
          headers: { 'WWW-Authenticate': 'Bearer' },
        });
      }
      req.user = await signer.verify(match[1]);
      // The sessions are this service's own: an ended one (logout, deactivation, a reused refresh
      // token) ends its access tokens here at once.
      if (!optional) await flows.requireUnrevokedSession(req.user);
      next();
    };
  const adminOnly = [authenticate(), requireRole('admin')];
  const openapi = openApiDocument(options.version);

  return (app) => {
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json(signer.jwks());
    });
    app.get('/api/v1/openapi.json', (_req, res) => {
      res.json(openapi);
    });

    app.post('/api/v1/auth/login', async (req, res) => {
      const body = parseBody(loginBody, req);
      res.setHeader('Cache-Control', 'no-store');
      res.json(await flows.login(body, req.ip ?? 'unknown'));
    });
    app.post('/api/v1/auth/refresh', async (req, res) => {
      const { refreshToken } = parseBody(refreshBody, req);
      res.setHeader('Cache-Control', 'no-store');
      res.json(await flows.refresh(refreshToken));
    });
    app.post('/api/v1/auth/logout', authenticate(true), async (req, res) => {
      const hasBody = req.get('content-length') !== undefined && req.get('content-length') !== '0';
      const { refreshToken } = hasBody || req.get('transfer-encoding') ? parseBody(logoutBody, req) : {};
      await flows.logout(refreshToken, req.user);
      res.status(204).end();
    });
    app.get('/api/v1/auth/me', authenticate(), async (req, res) => {
      const caller = req.user as NonNullable<typeof req.user>;
      await flows.requireLiveSession(caller);
      res.json(toUserView(await admin.get(caller.id)));
    });

    app.post('/api/v1/auth/password', authenticate(), async (req, res) => {
      const caller = req.user as NonNullable<typeof req.user>;
      await self.changePassword(caller, parseBody(changePasswordBody, req), req.ip ?? 'unknown');
      res.status(204).end();
    });
    app.post('/api/v1/auth/logout-all', authenticate(), async (req, res) => {
      await self.logoutEverywhere(req.user as NonNullable<typeof req.user>);
      res.status(204).end();
    });

    // Before /users/:id, which would take "assignees" for an id (and is for admins only).
    app.get('/api/v1/users/assignees', authenticate(), requireRole('agent', 'admin'), async (req, res) => {
      res.json(await users.listAssignees(parseInput(listAssigneesQuery, req.query, 'query')));
    });
    app.post('/api/v1/users', ...adminOnly, async (req, res) => {
      const user = await admin.create(parseBody(createUserBody, req));
      res.status(201).location(`/api/v1/users/${user.id}`).json(toUserView(user));
    });
    app.get('/api/v1/users', ...adminOnly, async (req, res) => {
      const page = await admin.list(parseInput(listUsersQuery, req.query, 'query'));
      res.json({ items: page.items.map(toUserView), nextCursor: page.nextCursor });
    });
    app.get('/api/v1/users/:id', ...adminOnly, async (req, res) => {
      const id = parseInput(userIdParam, req.params.id, 'id');
      res.json(toUserView(await admin.get(id)));
    });
    app.patch('/api/v1/users/:id', ...adminOnly, async (req, res) => {
      const id = parseInput(userIdParam, req.params.id, 'id');
      res.json(toUserView(await admin.update(id, parseBody(updateUserBody, req))));
    });
  };
}
