/**
 * The text rules of @opentelemetry/exporter-prometheus's serializer, kept rule for rule so the
 * output stays byte-identical to it (test/prometheus-serializer.test.ts compares the two on
 * random families). These run once per series or family and are cached; the hot path only copies.
 */

/** Backslash and newline, as the exporter escapes names, HELP and UNIT text. */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: non-strings as JSON, `undefined` as empty, then backslash, newline and quote escaped. */
export function escapeLabelValue(value: unknown = ''): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) as string);
  return escapeText(text).replace(/"/g, '\\"');
}

const INVALID_NAME_CHARACTER = /[^a-z0-9_]/gi;
const UNDERSCORE_RUN = /_{2,}/g;

/** Every character outside `[a-zA-Z0-9_]` becomes `_`, then runs of `_` become one. */
export function sanitizeName(name: string): string {
  return name.replace(INVALID_NAME_CHARACTER, '_').replace(UNDERSCORE_RUN, '_');
}

/** `key="value"` pairs joined by commas, in the attributes' own key order. */
export function labelPairs(attributes: object): string {
  let text = '';
  for (const [key, value] of Object.entries(attributes)) {
    text += `${text.length > 0 ? ',' : ''}${sanitizeName(key)}="${escapeLabelValue(value)}"`;
  }
  return text;
}
