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
  if ((error as CodedError).code === DUPLICATE_KEY) return true;
  return writeErrorsOf(error).some((item) => item.code === DUPLICATE_KEY);
}

/** One document's failure in a bulk write: its position in the command, and why. */
export interface WriteError {
  index?: unknown;
  code?: unknown;
}

/**
 * The positions an unordered insert refused, when every refusal is a duplicate key (the other
 * documents were stored); undefined when anything else failed.
 */
export function duplicatePositions(error: unknown): number[] | undefined {
  const list = writeErrorsOf(error);
  if (list.length === 0 || list.some((e) => e.code !== DUPLICATE_KEY)) return undefined;
  return list.map((e) => e.index as number);
}

/**
 * The per-document failures a bulk write reports (`writeErrors`: a list, or a single one); empty
 * when the error is not a bulk write's or the command failed as a whole.
 */
export function writeErrorsOf(error: unknown): WriteError[] {
  if (typeof error !== 'object' || error === null) return [];
  const { writeErrors } = error as CodedError;
  const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.filter((item): item is WriteError => typeof item === 'object' && item !== null);
}
