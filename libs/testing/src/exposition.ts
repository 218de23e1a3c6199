/** A Prometheus text exposition, parsed just enough for tests to compare families and samples. */
export interface ExpositionFamily {
  name: string;
  type?: string;
  help?: string;
  /** Label names over every sample of the family, `le` left out. */
  labelNames: string[];
  samples: Sample[];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;
const SUFFIXES = ['_bucket', '_sum', '_count'];

export function parseExposition(text: string): Map<string, ExpositionFamily> {
  const families = new Map<string, ExpositionFamily>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, labelNames: [], samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [name = '', ...help] = line.slice(7).split(' ');
      family(name).help = help.join(' ');
    } else if (line.startsWith('# TYPE ')) {
      const [name = '', type] = line.slice(7).split(' ');
      family(name).type = type;
    } else if (line && !line.startsWith('#')) {
      const match = SAMPLE.exec(line);
      if (!match) throw new Error(`Unparseable exposition line: ${line}`);
      const [, name = '', labelText = '', value = ''] = match;
      const labels: Record<string, string> = {};
      for (const [, key = '', val = ''] of labelText.matchAll(LABEL)) labels[key] = val;
      const owner = familyOf(name, families);
      owner.samples.push({ name, labels, value: Number(value) });
      for (const key of Object.keys(labels)) {
        if (key !== 'le' && !owner.labelNames.includes(key)) owner.labelNames.push(key);
      }
    }
  }
  for (const f of families.values()) f.labelNames.sort();
  return families;

  function familyOf(sampleName: string, known: Map<string, ExpositionFamily>): ExpositionFamily {
    if (known.has(sampleName)) return family(sampleName);
    const suffix = SUFFIXES.find((s) => sampleName.endsWith(s));
    const base = suffix ? sampleName.slice(0, -suffix.length) : sampleName;
    return family(known.has(base) ? base : sampleName);
  }
}

/** The value of one series, or undefined when the exposition does not have it. */
export function sampleValue(
  families: Map<string, ExpositionFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return undefined;
}
