import { z } from 'zod';
import { newPasswordSchema } from './password-policy';

/** A user changing their own password: the current one proves it is them, not a stolen token. */
export const changePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: newPasswordSchema,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;
