import { z } from 'zod';

/**
 * The shapes of the file API: the upload form's fields are checked with these, the answers are
 * typed by them, and the OpenAPI document is generated from them.
 */

/** A ticket id as the upload form takes it (the ticket service's ids, and test ids, fit). */
export const uploadTicketId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a ticket id (letters, digits, _ or -)');

/** A stored file as `GET /files/:id/meta` shows it. */
export const fileMeta = z.object({
  id: z.string(),
  name: z.string().describe('The sanitized file name'),
  size: z.number().int().nonnegative().describe('Bytes'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string().describe('The type detected from the content'),
  ticketId: z.string(),
  uploaderId: z.string(),
  createdAt: z.iso.datetime(),
});
export type FileMeta = z.output<typeof fileMeta>;

/** The answer to an upload. */
export const uploadedFile = fileMeta.omit({ uploaderId: true, createdAt: true });
export type UploadedFile = z.output<typeof uploadedFile>;
