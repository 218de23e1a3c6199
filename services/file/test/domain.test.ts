import { families } from '@support-center/telemetry';
import { decideType, FILE_TYPES, looksLikeText } from '../src/domain/file-types';
import { contentDisposition, extensionOf, sanitizeFileName } from '../src/domain/file-name';
import { parseRange } from '../src/domain/range';
import { SIZE_BUCKETS, sizeBucket } from '../src/domain/size-bucket';
import { OBJECT_OPERATIONS, OBJECT_STATUSES } from '../src/store/metrics';
import { canAttach, canDelete, canRead } from '../src/domain/access';

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\report.pdf', 'report.pdf'],
    ['..', 'file'],
    ['', 'file'],
    [undefined, 'file'],
    ['  .hidden.txt  ', 'hidden.txt'],
    ['a\u0000b\u001fc\u007f.txt', 'abc.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['what?<>:"|*.txt', 'what_______.txt'],
    ['CON.txt', '_CON.txt'],
    ['trailing. . .', 'trailing'],
    ['tab\tand\nnewline.md', 'tabandnewline.md'],
  ])('%j becomes %j', (raw, safe) => {
    expect(sanitizeFileName(raw)).toBe(safe);
  });

  it('bounds the length in UTF-8 bytes, keeps the extension and never splits a character', () => {
    const name = sanitizeFileName(`${'日'.repeat(200)}.pdf`, 64);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^日+\.pdf$/);
  });

  it('reads extensions in lower case', () => {
    expect(extensionOf('A.PDF')).toBe('pdf');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('README')).toBe('');
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact name as RFC 5987 filename*', () => {
    expect(contentDisposition('rapport été "final".pdf')).toBe(
      `attachment; filename="rapport _t_ _final_.pdf"; filename*=UTF-8''rapport%20%C3%A9t%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDisposition("it's (1).txt")).toBe(
      `attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`,
    );
  });
});

describe('decideType', () => {
  const pdf = { mime: 'application/pdf', ext: 'pdf' };
  const exe = { mime: 'application/x-msdownload', ext: 'exe' };
  it('accepts content matching its extension, with the catalog file_type', () => {
    expect(decideType('pdf', pdf, Buffer.from('%PDF'))).toEqual({
      accepted: true,
      contentType: 'application/pdf',
      fileType: 'pdf',
    });
    expect(decideType('csv', undefined, Buffer.from('a,b\n1,2'))).toMatchObject({ fileType: 'spreadsheet' });
    expect(decideType('docx', { mime: 'application/zip', ext: 'zip' }, Buffer.alloc(0))).toMatchObject({
      fileType: 'document',
    });
  });
  it('refuses executables whatever the name, mismatches, unknown extensions and binary "text"', () => {
    expect(decideType('pdf', exe, Buffer.from('MZ'))).toEqual({
      accepted: false,
      reason: expect.stringMatching(/executable/),
    });
    expect(decideType('png', pdf, Buffer.from('%PDF')).accepted).toBe(false);
    expect(decideType('exe', undefined, Buffer.from('hi')).accepted).toBe(false);
    expect(decideType('', undefined, Buffer.from('hi')).accepted).toBe(false);
    expect(decideType('txt', undefined, Buffer.from([0x41, 0x00, 0x42])).accepted).toBe(false);
    expect(decideType('pdf', undefined, Buffer.from('plain')).accepted).toBe(false);
  });
  it('takes a multi-byte character cut at the end of the head as text', () => {
    expect(looksLikeText(Buffer.from('é').subarray(0, 1))).toBe(true);
    expect(looksLikeText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=900-', 1000, { start: 900, end: 999 }],
    ['bytes=-100', 1000, { start: 900, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
    ['bytes=990-5000', 1000, { start: 990, end: 999 }],
    ['bytes=1000-', 1000, 'unsatisfiable'],
    ['bytes=-0', 1000, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=5-1', 1000, undefined],
    ['bytes=0-1,5-6', 1000, undefined],
    ['items=0-1', 1000, undefined],
    [undefined, 1000, undefined],
  ] as const)('%s of %d bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('sizeBucket', () => {
  it.each([
    [0, '0-100KB'],
    [99_999, '0-100KB'],
    [100_000, '100KB-1MB'],
    [1_000_000, '1-5MB'],
    [5_000_000, '5-25MB'],
    [50_000_000, '25-100MB'],
    [100_000_000, '100MB+'],
  ])('%d bytes → %s', (bytes, bucket) => expect(sizeBucket(bytes)).toBe(bucket));
});

describe('access rules', () => {
  const file = { uploaderId: 'u1', ticketId: 't1' };
  const employee = (id: string) => ({ id, username: id, role: 'employee' as const });
  it('lets the uploader, staff and the ticket requester read; uploader and staff delete', () => {
    expect(canRead(employee('u1'), file, undefined)).toBe(true);
    expect(canRead(employee('u2'), file, 'u2')).toBe(true);
    expect(canRead(employee('u3'), file, 'u2')).toBe(false);
    expect(canRead({ id: 'a', username: 'a', role: 'agent' }, file, undefined)).toBe(true);
    expect(canDelete(employee('u2'), file)).toBe(false);
    expect(canDelete({ id: 'x', username: 'x', role: 'admin' }, file)).toBe(true);
    expect(canAttach(employee('u3'), 'u2')).toBe(false);
    expect(canAttach(employee('u2'), 'u2')).toBe(true);
    expect(canAttach({ id: 'a', username: 'a', role: 'agent' }, 'u2')).toBe(true);
  });

  it('lets nobody attach to a ticket the projection does not know', () => {
    for (const role of ['employee', 'agent', 'admin'] as const)
      expect(canAttach({ id: 'u1', username: 'u1', role }, undefined)).toBe(false);
  });
});

describe('the catalog help of the file families', () => {
  it('names exactly the closed label sets the code uses', () => {
    const help = (name: keyof typeof families) => families[name].help;
    for (const type of FILE_TYPES) expect(help('file_uploads_total')).toContain(type);
    for (const { label } of SIZE_BUCKETS) expect(help('file_uploads_total')).toContain(label);
    for (const operation of OBJECT_OPERATIONS) expect(help('minio_operations_total')).toContain(operation);
    for (const status of OBJECT_STATUSES) expect(help('minio_operations_total')).toContain(status);
  });
});
