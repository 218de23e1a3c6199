export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The FROM argument with build-argument defaults substituted. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Parses a Dockerfile into stages: continuation lines joined, comments dropped, global ARG defaults applied to FROM and to later global ARGs. */
export function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\w+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image = '', , name] = args.split(/\s+/);
      const from = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs[arg] ?? '');
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      // A global ARG's default may name an earlier one (ARG BUILD_IMAGE=${NODE_IMAGE}).
      const [argName = '', value = ''] = args.split('=');
      globalArgs[argName] = value.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs[arg] ?? '');
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args });
    }
  }
  return { globalArgs, stages };
}
