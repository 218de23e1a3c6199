import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

const COLORS = [36, 35, 33, 32, 34, 91, 96, 95];
const width = 10;

/** Writes each line a child prints to our stdout behind its component's name, colored on a TTY. */
export function prefixLines(component: string, index: number, ...streams: (Readable | null)[]): void {
  const color = COLORS[index % COLORS.length] ?? 37;
  const label = component.padEnd(width);
  const prefix = process.stdout.isTTY ? `\u001b[${color}m${label}\u001b[0m| ` : `${label}| `;
  for (const stream of streams) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
}
