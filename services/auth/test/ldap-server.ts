import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, waitFor } from '@support-center/testing';

export const LDAP_BASE = 'dc=example,dc=org';
export const LDAP_ADMIN_DN = `cn=admin,${LDAP_BASE}`;
export const LDAP_ADMIN_PASSWORD = 'directory-secret';
export const LDAP_GROUPS = {
  agents: `cn=agents,ou=groups,${LDAP_BASE}`,
  admins: `cn=admins,ou=groups,${LDAP_BASE}`,
};

/** slapd and slapadd live in /usr/sbin, which a non-root PATH often lacks. */
const sbin = (tool: string) => (existsSync(`/usr/sbin/${tool}`) ? `/usr/sbin/${tool}` : tool);

export interface LdapServer {
  url: string;
  stop(): Promise<void>;
}

export interface LdapPerson {
  uid: string;
  password: string;
  name: string;
  mail: string;
}

/**
 * A real OpenLDAP server (Debian's slapd) on a free port with a throwaway configuration and
 * database, seeded with `people` offline by slapadd before it starts.
 */
export async function startLdap(
  people: LdapPerson[],
  members: { agents: string[]; admins: string[] },
): Promise<LdapServer> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-slapd-'));
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${join(dir, 'slapd.pid')}`,
      'database mdb',
      'maxsize 10485760',
      `suffix "${LDAP_BASE}"`,
      `rootdn "${LDAP_ADMIN_DN}"`,
      `rootpw ${LDAP_ADMIN_PASSWORD}`,
      `directory ${join(dir, 'db')}`,
      'access to attrs=userPassword by anonymous auth by self write by * none',
      'access to * by * read',
      '',
    ].join('\n'),
  );
  const dnOf = (uid: string) => `uid=${uid},ou=people,${LDAP_BASE}`;
  const entries = [
    `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=people,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: groups`,
    ...people.map(
      (p) =>
        `dn: ${dnOf(p.uid)}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.name}\nsn: ${p.name}\ndisplayName: ${p.name}\nmail: ${p.mail}\nuserPassword: ${p.password}`,
    ),
    ...(['agents', 'admins'] as const).map(
      (g) =>
        `dn: ${LDAP_GROUPS[g]}\nobjectClass: groupOfNames\ncn: ${g}\n${[
          ...members[g].map(dnOf),
          LDAP_ADMIN_DN,
        ]
          .map((dn) => `member: ${dn}`)
          .join('\n')}`,
    ),
  ];
  const ldif = join(dir, 'seed.ldif');
  writeFileSync(ldif, `${entries.join('\n\n')}\n`);
  const seeded = spawnSync(sbin('slapadd'), ['-f', conf, '-l', ldif], { encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`slapadd failed: ${seeded.stderr}`);

  const port = await getFreePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d keeps slapd in the foreground, so stopping the child stops the server.
  const child: ChildProcess = spawn(sbin('slapd'), ['-f', conf, '-h', `${url}/`, '-d', '0'], {
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor(
    async () => {
      if (exited) throw new Error('slapd exited at start');
      const probe = spawnSync('ldapsearch', ['-x', '-H', url, '-b', LDAP_BASE, '-s', 'base', 'dn'], {
        encoding: 'utf8',
      });
      return probe.status === 0;
    },
    { timeoutMs: 15_000, message: 'slapd to answer' },
  );
  return {
    url,
    async stop() {
      if (!exited) {
        const done = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
