/**
 * Store conventions shared by the services and the events library. What MongoDB and FerretDB
 * 1.24 both support is listed in README.md; these helpers cover the conventions that need code.
 */
export {
  DUPLICATE_KEY,
  duplicatePositions,
  isDuplicateKeyError,
  writeErrorsOf,
  type WriteError,
} from './duplicate-key';
export { notExpired } from './expiry';
export { groupCommit, type GroupMember } from './group-commit';
export { nextScanDelay } from './scan-pace';
