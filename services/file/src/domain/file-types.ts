/**
 * What may be uploaded: the allow-list, keyed by the name's extension, with the content each
 * extension must have (as detected from the first bytes) and the `file_type` label it counts
 * under. Pure data and decisions; no I/O.
 */

/** The closed set of `file_type` label values (`file_uploads_total` and the upload histograms). */
export const FILE_TYPES = ['pdf', 'image', 'document', 'spreadsheet', 'text', 'archive', 'other'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** Bytes read before deciding; file-type needs at most this many for the formats allowed here. */
export const DETECTION_BYTES = 4100;

/** `TEXT`: a format with no magic number; the head must then be UTF-8 text without NUL bytes. */
const TEXT = 'text' as const;

interface AllowedType {
  /** The Content-Type stored and served. */
  contentType: string;
  fileType: FileType;
  /** MIME types file-type may detect for this extension, or TEXT. */
  detected: readonly string[] | typeof TEXT;
}

const ZIP = 'application/zip';
const CFB = 'application/x-cfb';
const OOXML = 'application/vnd.openxmlformats-officedocument';
const ODF = 'application/vnd.oasis.opendocument';

/** Office formats are ZIP or CFB containers; a head of 4100 bytes does not always reveal which. */
const officeZip = (mime: string) => [mime, ZIP];

export const ALLOWED_TYPES: Readonly<Record<string, AllowedType>> = {
  pdf: { contentType: 'application/pdf', fileType: 'pdf', detected: ['application/pdf'] },
  png: { contentType: 'image/png', fileType: 'image', detected: ['image/png'] },
  jpg: { contentType: 'image/jpeg', fileType: 'image', detected: ['image/jpeg'] },
  jpeg: { contentType: 'image/jpeg', fileType: 'image', detected: ['image/jpeg'] },
  gif: { contentType: 'image/gif', fileType: 'image', detected: ['image/gif'] },
  webp: { contentType: 'image/webp', fileType: 'image', detected: ['image/webp'] },
  bmp: { contentType: 'image/bmp', fileType: 'image', detected: ['image/bmp'] },
  tif: { contentType: 'image/tiff', fileType: 'image', detected: ['image/tiff'] },
  tiff: { contentType: 'image/tiff', fileType: 'image', detected: ['image/tiff'] },
  docx: {
    contentType: `${OOXML}.wordprocessingml.document`,
    fileType: 'document',
    detected: officeZip(`${OOXML}.wordprocessingml.document`),
  },
  pptx: {
    contentType: `${OOXML}.presentationml.presentation`,
    fileType: 'document',
    detected: officeZip(`${OOXML}.presentationml.presentation`),
  },
  odt: { contentType: `${ODF}.text`, fileType: 'document', detected: officeZip(`${ODF}.text`) },
  doc: { contentType: 'application/msword', fileType: 'document', detected: [CFB] },
  ppt: { contentType: 'application/vnd.ms-powerpoint', fileType: 'document', detected: [CFB] },
  xlsx: {
    contentType: `${OOXML}.spreadsheetml.sheet`,
    fileType: 'spreadsheet',
    detected: officeZip(`${OOXML}.spreadsheetml.sheet`),
  },
  ods: {
    contentType: `${ODF}.spreadsheet`,
    fileType: 'spreadsheet',
    detected: officeZip(`${ODF}.spreadsheet`),
  },
  xls: { contentType: 'application/vnd.ms-excel', fileType: 'spreadsheet', detected: [CFB] },
  csv: { contentType: 'text/csv; charset=utf-8', fileType: 'spreadsheet', detected: TEXT },
  txt: { contentType: 'text/plain; charset=utf-8', fileType: 'text', detected: TEXT },
  log: { contentType: 'text/plain; charset=utf-8', fileType: 'text', detected: TEXT },
  md: { contentType: 'text/markdown; charset=utf-8', fileType: 'text', detected: TEXT },
  json: { contentType: 'application/json', fileType: 'text', detected: TEXT },
  xml: { contentType: 'application/xml', fileType: 'text', detected: ['application/xml'] },
  eml: { contentType: 'message/rfc822', fileType: 'text', detected: TEXT },
  zip: { contentType: ZIP, fileType: 'archive', detected: [ZIP] },
  gz: { contentType: 'application/gzip', fileType: 'archive', detected: ['application/gzip'] },
  '7z': {
    contentType: 'application/x-7z-compressed',
    fileType: 'archive',
    detected: ['application/x-7z-compressed'],
  },
  tar: { contentType: 'application/x-tar', fileType: 'archive', detected: ['application/x-tar'] },
  mp4: { contentType: 'video/mp4', fileType: 'other', detected: ['video/mp4'] },
  webm: { contentType: 'video/webm', fileType: 'other', detected: ['video/webm'] },
  mov: { contentType: 'video/quicktime', fileType: 'other', detected: ['video/quicktime'] },
};

/** Detected formats named as executables in the refusal, whatever the name says. */
const EXECUTABLES = new Set([
  'application/x-msdownload',
  'application/x-elf',
  'application/x-mach-binary',
  'application/x-msi',
  'application/x-sharedlib',
  'application/vnd.android.package-archive',
  'application/x-shockwave-flash',
  'application/wasm',
]);

/** What file-type reported for the head, or nothing when it found no magic number. */
export interface DetectedType {
  mime: string;
  ext: string;
}

export type TypeDecision =
  { accepted: true; contentType: string; fileType: FileType } | { accepted: false; reason: string };

/**
 * Decides from the name's extension and the detected content whether a file is accepted, and
 * what it is. `head` is the first DETECTION_BYTES bytes (fewer when the file is shorter).
 */
export function decideType(
  extension: string,
  detected: DetectedType | undefined,
  head: Buffer,
): TypeDecision {
  if (detected && EXECUTABLES.has(detected.mime)) {
    return {
      accepted: false,
      reason: `The content is an executable (${detected.ext}); executables are not accepted`,
    };
  }
  const allowed = extension ? ALLOWED_TYPES[extension] : undefined;
  if (!allowed) {
    const what = extension ? `.${extension} files` : 'Files without an extension';
    return { accepted: false, reason: `${what} are not accepted` };
  }
  const matches =
    allowed.detected === TEXT
      ? !detected && looksLikeText(head)
      : !!detected && allowed.detected.includes(detected.mime);
  if (!matches) {
    const found = detected ? `${detected.mime} content` : 'content of no known format';
    return { accepted: false, reason: `The name says .${extension} but the file has ${found}` };
  }
  return { accepted: true, contentType: allowed.contentType, fileType: allowed.fileType };
}

/** UTF-8 without NUL bytes; a multi-byte character cut at the end of the head is fine. */
export function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}
