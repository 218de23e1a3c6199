/**
 * Commands that change data or metadata. FerretDB 1.24 runs update and findAndModify as
 * read-then-write (upstream issue #3040), so the guard lets one of these through at a
 * time; everything else (finds, aggregates, handshakes, getMore) passes freely.
 * Lower-case: drivers send `findAndModify`, older ones `findandmodify`.
 */
export const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findandmodify',
  'bulkwrite',
  'create',
  'createindexes',
  'drop',
  'dropdatabase',
  'dropindexes',
  'deleteindexes',
  'renamecollection',
  'collmod',
  'compact',
  'reindex',
]);

export function isWriteCommand(name: string): boolean {
  return WRITE_COMMANDS.has(name.toLowerCase());
}
