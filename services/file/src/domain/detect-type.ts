import { fromBuffer } from 'file-type';
import type { DetectedType } from './file-types';

/**
 * The ASF header GUID file-type 16 matches on. Its ASF parser loops forever on a header object
 * smaller than 24 bytes (CVE-2026-31808), starving the event loop; the fix exists only in
 * file-type 21.3.1, which is ESM-only. ASF is never accepted here, so such a head is named
 * without being parsed.
 */
const ASF_HEADER = Buffer.from('3026b2758e66cf11a6d9', 'hex');

/** The format the head's magic number names, or nothing when it has none file-type knows. */
export async function detectType(head: Buffer): Promise<DetectedType | undefined> {
  if (head.subarray(0, ASF_HEADER.length).equals(ASF_HEADER)) {
    return { mime: 'application/vnd.ms-asf', ext: 'asf' };
  }
  return fromBuffer(head);
}
