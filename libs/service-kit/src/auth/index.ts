export { jwtAuth, requireRole, type JwtAuth, type JwtAuthOptions } from './jwt-auth';
export {
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  ROLES,
  TOKEN_ALGORITHMS,
  type AuthUser,
  type Role,
} from './types';
