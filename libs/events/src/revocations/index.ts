export {
  createRevocationList,
  revocationListFor,
  type RevocationContext,
  type RevocableToken,
  type RevocationHandlers,
  type RevocationList,
  type RevocationListOptions,
} from './revocation-list';
export { REVOCATIONS_COLLECTION, RevocationStoreUnavailableError, type Revocation } from './store';
