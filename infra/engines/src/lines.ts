import type { Readable } from 'node:stream';

/** Calls `onLine` for each complete line of a stream (the last partial line at its end). */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (pending.length > 0) onLine(pending);
    pending = '';
  });
}

/** Keeps the last `size` lines, to explain a failure without flooding the console. */
export class LineTail {
  private readonly lines: string[] = [];

  constructor(private readonly size = 30) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
