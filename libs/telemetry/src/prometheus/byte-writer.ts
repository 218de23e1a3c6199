const MIN_CAPACITY = 4096;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * The output buffer of every scrape, kept and grown to the largest. Cached pieces go in as bytes
 * (a `set`, which copies far faster than any per-character loop), whole numbers as digits, so a
 * sample line costs no string of its own.
 *
 * One writer serves all scrapes on purpose: V8 throws away the optimized code of these methods
 * whenever a collection frees an object that code was specialized to, and with a writer (and its
 * buffer) made per scrape that happened after every GC, leaving scrapes several times slower.
 */
export class ByteWriter {
  private buffer = Buffer.allocUnsafe(MIN_CAPACITY);
  private length = 0;

  /** Starts a new output, overwriting the last. */
  reset(): void {
    this.length = 0;
  }

  /** A copy of the bytes written, exactly their size: the response may still be sending it when the next scrape writes. */
  result(): Buffer {
    const bytes = Buffer.allocUnsafe(this.length);
    this.buffer.copy(bytes, 0, 0, this.length);
    return bytes;
  }

  bytes(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) this.grow(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  byte(code: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = code;
  }

  /** Text, as UTF-8: for what is written once per family or scrape. */
  text(text: string): void {
    const most = text.length * 3;
    if (this.length + most > this.buffer.length) this.grow(most);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** A number as `${value}` prints it; whole numbers go digit by digit, without a string. */
  number(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.text(`${value}`);
      return;
    }
    if (this.length + 17 > this.buffer.length) this.grow(17);
    const buffer = this.buffer;
    if (value < 0) {
      buffer[this.length++] = MINUS;
      value = -value;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    let at = this.length + digits;
    this.length = at;
    do {
      buffer[--at] = ZERO + (value % 10);
      value = Math.floor(value / 10);
    } while (value > 0);
  }

  private grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + needed));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
