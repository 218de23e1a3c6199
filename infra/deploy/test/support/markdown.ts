/** The rows of every Markdown table in `text`, as arrays of trimmed cells (header rows included). */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => /^\|.*\|\s*$/.test(line) && !/^\|[\s|:-]+\|\s*$/.test(line))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** The port named in a table row whose first cell matches `name` (e.g. "Prometheus" → 9090). */
export function portOf(rows: string[][], name: RegExp): number | undefined {
  const row = rows.find((cells) => name.test(cells[0] ?? ''));
  const port = row?.map((cell) => /^(\d{4,5})\b/.exec(cell)?.[1]).find(Boolean);
  return port === undefined ? undefined : Number(port);
}
