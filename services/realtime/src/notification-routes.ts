import type { Express } from 'express';
import { z } from 'zod';
import { NotFoundError, parseInput, type JwtAuth } from '@support-center/service-kit';
import { isNotificationId, type NotificationStore } from './store/notifications';

function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

/** A cursor this service issued: the id of the last notification of the previous page. */
const cursor = z
  .string()
  .max(600)
  .transform((text, ctx) => {
    const id = Buffer.from(text, 'base64url').toString('utf8');
    if (!isNotificationId(id) || encodeCursor(id) !== text) {
      ctx.addIssue({ code: 'custom', message: 'must be a cursor from a previous page' });
      return z.NEVER;
    }
    return id;
  });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursor.optional(),
  unread: z.enum(['true', 'false']).optional(),
});

export const idParams = z.object({ id: z.string().min(1).max(300) });

export interface NotificationRoutesOptions {
  auth: Pick<JwtAuth, 'requireAuth'>;
  notifications: Pick<NotificationStore, 'list' | 'unreadCount' | 'markRead' | 'markAllRead'>;
}

/**
 * The caller's notification history: `GET /api/v1/notifications` (newest first, cursor pages,
 * with the unread count), `POST /api/v1/notifications/:id/read`, `POST /api/v1/notifications/read-all`.
 * Everyone sees only their own: someone else's id answers 404 as an unknown one does.
 */
export function notificationRoutes({ auth, notifications }: NotificationRoutesOptions) {
  return (app: Express) => {
    app.get('/api/v1/notifications', auth.requireAuth(), async (req, res) => {
      const query = parseInput(listQuery, req.query, 'query');
      const userId = req.user!.id;
      const [page, unreadCount] = await Promise.all([
        notifications.list(userId, {
          limit: query.limit,
          after: query.cursor,
          unread: query.unread === 'true',
        }),
        notifications.unreadCount(userId),
      ]);
      res.json({
        items: page.items,
        nextCursor: page.next === null ? null : encodeCursor(page.next),
        unreadCount,
      });
    });

    app.post('/api/v1/notifications/read-all', auth.requireAuth(), async (req, res) => {
      res.json({ marked: await notifications.markAllRead(req.user!.id) });
    });

    app.post('/api/v1/notifications/:id/read', auth.requireAuth(), async (req, res) => {
      const { id } = parseInput(idParams, req.params, 'path');
      if (!isNotificationId(id) || !(await notifications.markRead(req.user!.id, id)))
        throw new NotFoundError('Notification');
      res.status(204).end();
    });
  };
}
