/**
 * File names as clients send them are untrusted: they may carry directories (`../../etc/passwd`,
 * `C:\\x`), control and bidi characters (`evil\u202Efdp.exe`), characters filesystems refuse,
 * or be arbitrarily long. `sanitizeFileName` keeps a readable, safe base name.
 */

export const FALLBACK_NAME = 'file';

/** C0/C1 controls, and format characters that reorder or hide text (bidi overrides, zero width). */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
/** Characters Windows, macOS or shells treat specially in names. */
const RESERVED_CHARACTERS = /[<>:"/\\|?*]/g;
/** Names Windows refuses whatever the extension. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

export function sanitizeFileName(raw: string | undefined, maxBytes = 255): string {
  let name = (raw ?? '').normalize('NFC');
  // Only the last path segment counts, whichever separator the client's OS uses.
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(UNSAFE_CHARACTERS, '').replace(RESERVED_CHARACTERS, '_');
  name = name.replace(/\s+/g, ' ');
  // Leading dots hide files or climb directories; trailing dots and spaces vanish on Windows.
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  if (!name) name = FALLBACK_NAME;
  return truncateKeepingExtension(name, maxBytes);
}

/** The lower-case extension without its dot ('' when there is none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const extension = extensionOf(name);
  const suffix =
    extension && Buffer.byteLength(extension) < maxBytes / 2 ? `.${name.slice(-extension.length)}` : '';
  const stem = name.slice(0, name.length - suffix.length);
  return `${cutToBytes(stem, maxBytes - Buffer.byteLength(suffix))}${suffix}`;
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out.trimEnd();
}

/**
 * `Content-Disposition` for a download: an ASCII `filename` for old clients and the exact name
 * as RFC 5987 `filename*` (UTF-8, percent-encoded).
 */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
