/**
 * Store conventions shared by the services. What MongoDB and FerretDB 1.24 both support
 * is listed in README.md; these helpers cover the conventions that need code.
 */
export { DUPLICATE_KEY, isDuplicateKeyError } from './duplicate-key';
export {
  notExpired,
  startExpirySweeper,
  type DeletableCollection,
  type ExpirySweeper,
  type ExpirySweeperOptions,
} from './expiry';
