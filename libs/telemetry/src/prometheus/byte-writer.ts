const MIN_CAPACITY = 4096;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * One growing output buffer for a scrape. Text is copied in byte by byte (7-bit text, the usual
 * case) or encoded by Node (the rest), and whole numbers are written as digits, so a sample line
 * costs no string of its own.
 */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, expectedBytes));
  }

  /** The bytes written: a view of the buffer, which the writer no longer touches. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  byte(code: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = code;
  }

  /** Text known to be 7-bit (label sets and names are checked once, when cached). */
  ascii(text: string): void {
    const size = text.length;
    if (this.length + size > this.buffer.length) this.grow(size);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < size; i += 1) buffer[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Any text, as UTF-8. */
  utf8(text: string): void {
    const most = text.length * 3;
    if (this.length + most > this.buffer.length) this.grow(most);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  text(text: string, ascii: boolean): void {
    if (ascii) this.ascii(text);
    else this.utf8(text);
  }

  /** A number as `${value}` prints it; whole numbers go digit by digit, without a string. */
  number(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.ascii(`${value}`);
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
