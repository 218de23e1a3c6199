/** MongoDB's duplicate-key error code. */
export const DUPLICATE_KEY = 11000;

interface CodedError {
  code?: unknown;
  writeErrors?: unknown;
}

/**
 * True when an insert failed on a unique index. Only the `code` is reliable: FerretDB
 * 1.24 sends no `keyPattern`/`keyValue`, and answers code 1 (not 11000) when an
 * *update* breaks a unique index, so change uniquely indexed fields by insert, or
 * check first. Bulk inserts report it per write (`writeErrors`).
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, writeErrors } = error as CodedError;
  if (code === DUPLICATE_KEY) return true;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.some(
    (item) => typeof item === 'object' && item !== null && (item as CodedError).code === DUPLICATE_KEY,
  );
}
