import { Client, InvalidCredentialsError, NoSuchObjectError } from 'ldapts';
import type { Role } from '@support-center/service-kit';

export interface LdapSettings {
  url: string;
  baseDn: string;
  /** Search filter with `{{username}}` where the (escaped) username goes. */
  userFilter: string;
  bindDn?: string;
  bindPassword?: string;
  agentGroup?: string;
  adminGroup?: string;
  timeoutMs: number;
}

/** Who the directory says a user is. */
export interface LdapIdentity {
  dn: string;
  displayName: string | null;
  email: string | null;
  role: Role;
}

const USER_ATTRIBUTES = ['cn', 'displayName', 'mail', 'memberOf'];

/**
 * Active Directory style login: find the user's entry with the service account, read its groups,
 * then bind as the user with the given password.
 */
export class LdapDirectory {
  constructor(private readonly settings: LdapSettings) {}

  /** The identity when the password is right; null when the user or the password is not. Throws when the server fails. */
  async authenticate(username: string, password: string): Promise<LdapIdentity | null> {
    // An empty password would make a successful unauthenticated bind.
    if (password.length === 0) return null;
    const { url, timeoutMs } = this.settings;
    const client = new Client({ url, timeout: timeoutMs, connectTimeout: timeoutMs });
    try {
      if (this.settings.bindDn) await client.bind(this.settings.bindDn, this.settings.bindPassword ?? '');
      const { searchEntries } = await client.search(this.settings.baseDn, {
        scope: 'sub',
        filter: this.settings.userFilter.replaceAll('{{username}}', escapeFilterValue(username)),
        attributes: USER_ATTRIBUTES,
        sizeLimit: 2,
      });
      const entry = searchEntries.length === 1 ? searchEntries[0] : undefined;
      if (!entry) return null;
      const role = await this.roleOf(client, entry.dn, values(entry.memberOf));
      try {
        await client.bind(entry.dn, password);
      } catch (error) {
        if (error instanceof InvalidCredentialsError) return null;
        throw error;
      }
      return {
        dn: entry.dn,
        displayName: first(entry.displayName) ?? first(entry.cn) ?? null,
        email: first(entry.mail) ?? null,
        role,
      };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async roleOf(client: Client, dn: string, memberOf: string[]): Promise<Role> {
    const { adminGroup, agentGroup } = this.settings;
    if (adminGroup && (await isMember(client, dn, adminGroup, memberOf))) return 'admin';
    if (agentGroup && (await isMember(client, dn, agentGroup, memberOf))) return 'agent';
    return 'employee';
  }
}

/** Membership by the user's `memberOf` (Active Directory), else by the group's `member`/`uniqueMember`. */
async function isMember(client: Client, dn: string, group: string, memberOf: string[]): Promise<boolean> {
  const normalized = normalizeDn(group);
  if (memberOf.some((g) => normalizeDn(g) === normalized)) return true;
  const escaped = escapeFilterValue(dn);
  try {
    const { searchEntries } = await client.search(group, {
      scope: 'base',
      filter: `(|(member=${escaped})(uniqueMember=${escaped}))`,
      attributes: ['dn'],
    });
    return searchEntries.length > 0;
  } catch (error) {
    if (error instanceof NoSuchObjectError) return false;
    throw error;
  }
}

/** RFC 4515 escaping of a value inside a search filter. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function normalizeDn(dn: string): string {
  return dn
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .join(',');
}

function values(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) =>
    Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
  );
}

function first(value: unknown): string | undefined {
  return values(value)[0];
}
