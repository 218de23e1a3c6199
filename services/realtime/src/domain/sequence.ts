/** Per-room sequence numbers: ordering decisions and the gap-size label (no I/O). */

/** `gap_size` of websocket_sequence_gaps_detected_total: a closed set. */
export const GAP_SIZES = ['1', '2-5', '6-20', '>20'] as const;
export type GapSize = (typeof GAP_SIZES)[number];

export function gapSizeLabel(missed: number): GapSize {
  if (missed <= 1) return '1';
  if (missed <= 5) return '2-5';
  if (missed <= 20) return '6-20';
  return '>20';
}

/**
 * What to do with message `seq` when `last` was the last one delivered in order:
 * drop it (already delivered), deliver it, or first fetch the ones in between.
 */
export type SequenceStep =
  | { kind: 'duplicate' }
  | { kind: 'next' }
  | { kind: 'gap'; afterSeq: number; beforeSeq: number; missing: number };

export function nextStep(last: number, seq: number): SequenceStep {
  if (seq <= last) return { kind: 'duplicate' };
  if (seq === last + 1) return { kind: 'next' };
  return { kind: 'gap', afterSeq: last, beforeSeq: seq, missing: seq - last - 1 };
}
