import { labelPairs } from './exposition-text';

/** A series' label pairs as text, with what they were made from, to notice a changed object. */
export interface SeriesLabels {
  /** `key="value",…` as UTF-8; empty for a series without attributes. */
  readonly bytes: Buffer;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  /** The last scrape that used it. */
  seen: number;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The label text of every series, keyed by its attributes object. The SDK keeps the attributes
 * object of a series' first measurement for as long as the series lives, and hands that same
 * object to every collection, so the object identifies the series; the text (sanitized keys,
 * escaped values) is built once. An object someone changed after recording is noticed (keys and
 * values are compared, without allocating) and its text rebuilt. Series that no scrape reports
 * any more are dropped at the end of the scrape, so the cache holds at most the series of the
 * last scrape.
 */
export class SeriesLabelCache {
  private readonly entries = new Map<object, SeriesLabels>();
  private scrape = 0;
  private used = 0;

  get size(): number {
    return this.entries.size;
  }

  /** Starts a scrape: every entry not looked up before `endScrape` is then dropped. */
  beginScrape(): void {
    this.scrape += 1;
    this.used = 0;
  }

  endScrape(): void {
    if (this.used === this.entries.size) return;
    for (const [attributes, labels] of this.entries) {
      if (labels.seen !== this.scrape) this.entries.delete(attributes);
    }
  }

  labelsOf(attributes: object): SeriesLabels {
    let labels = this.entries.get(attributes);
    if (labels === undefined || !unchanged(labels, attributes)) {
      labels = describe(attributes);
      // An attribute holding an array or object could change inside; it is not cached.
      if (labels.values.some(isObject)) return labels;
      this.entries.set(attributes, labels);
    }
    if (labels.seen !== this.scrape) {
      labels.seen = this.scrape;
      this.used += 1;
    }
    return labels;
  }
}

function describe(attributes: object): SeriesLabels {
  return {
    // Small buffers are slices of Node's shared pool, not an allocation of their own each.
    bytes: Buffer.from(labelPairs(attributes)),
    keys: Object.keys(attributes),
    values: Object.values(attributes),
    seen: 0,
  };
}

function unchanged(labels: SeriesLabels, attributes: object): boolean {
  const { keys, values } = labels;
  let i = 0;
  for (const key in attributes) {
    if (!hasOwn.call(attributes, key)) continue;
    if (keys[i] !== key || values[i] !== (attributes as Record<string, unknown>)[key]) return false;
    i += 1;
  }
  return i === keys.length;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
