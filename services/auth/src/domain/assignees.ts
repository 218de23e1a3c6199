import { z } from 'zod';
import type { Role } from '@support-center/service-kit';

/**
 * Who may be assigned a ticket: active agents and admins (the ticket service's assignment rule,
 * services/ticket/src/tickets.ts). The picker lists exactly those.
 */
export const ASSIGNEE_ROLES = ['agent', 'admin'] as const satisfies readonly Role[];

/** Where a page of assignees starts: after this display name and id (the sort order). */
const cursorShape = z.strictObject({ d: z.string(), i: z.string().regex(/^[0-9a-f]{24}$/) });
export type AssigneeCursor = z.infer<typeof cursorShape>;

export function encodeAssigneeCursor(cursor: AssigneeCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeAssigneeCursor(text: string): AssigneeCursor | undefined {
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const listAssigneesQuery = z.strictObject({
  q: z.string().trim().min(1).max(64).optional().describe('Part of the username or display name, any case'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .max(512)
    .transform((text, ctx) => {
      const cursor = decodeAssigneeCursor(text);
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'must be a cursor from a previous page' });
      return cursor ?? z.NEVER;
    })
    .optional(),
});
export type ListAssigneesQuery = z.infer<typeof listAssigneesQuery>;

/** What a picker needs of an assignee, and no more (no email, no login method). */
export const assigneeView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ASSIGNEE_ROLES),
});
export type AssigneeView = z.infer<typeof assigneeView>;

export const assigneePage = z.object({ items: z.array(assigneeView), nextCursor: z.string().nullable() });
