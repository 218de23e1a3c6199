import { z } from 'zod';

/** Events of the `files` topic, keyed by ticket id so a ticket's attachments stay in order. */
export const fileEvents = {
  'file.uploaded': {
    version: 1,
    data: z.object({
      fileId: z.string().min(1),
      ticketId: z.string().min(1),
      name: z.string().min(1),
      size: z.number().int().nonnegative(),
      contentType: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      uploaderId: z.string().min(1),
    }),
  },
  'file.deleted': {
    version: 1,
    data: z.object({ fileId: z.string().min(1), ticketId: z.string().min(1), deletedBy: z.string().min(1) }),
  },
} as const;
