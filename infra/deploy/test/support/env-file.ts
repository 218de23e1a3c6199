import { readRepoFile } from './repo';

export interface EnvEntry {
  name: string;
  value: string;
  /** The comment lines right above the entry (or above its group). */
  documented: boolean;
}

/** The variables `.env.example` assigns; a commented-out `# NAME=` counts as listed, not assigned. */
export function readEnvExample(): { assigned: EnvEntry[]; listed: string[] } {
  const assigned: EnvEntry[] = [];
  const listed: string[] = [];
  let commentAbove = false;
  for (const line of readRepoFile('.env.example').split('\n')) {
    const entry = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    const commented = /^#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (entry) {
      assigned.push({ name: entry[1]!, value: entry[2]!, documented: commentAbove });
      listed.push(entry[1]!);
    } else if (commented) {
      listed.push(commented[1]!);
      commentAbove = true;
    } else if (line.startsWith('#')) {
      commentAbove = true;
    } else if (line.trim() === '') {
      commentAbove = false;
    }
  }
  return { assigned, listed };
}

/** Every `${VAR...}` the compose file interpolates, with its operator (`:-`, `:?`, or none). */
export function interpolatedVariables(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of text.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)(:?[-?][^}]*)?\}/g)) {
    found.set(match[1]!, match[2] ?? '');
  }
  return found;
}
