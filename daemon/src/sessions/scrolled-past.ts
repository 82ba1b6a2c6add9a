// Finds the stretch of a session's output that cannot show on any screen an attaching client is
// sent: plain lines (no control or escape bytes) followed by enough lines to push them past the
// scrollback. The screen model skips it instead of parsing it, which is what makes `cat` of a
// large file cost a scan rather than an emulator pass per byte. Pure, so it is tested on bytes.

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

/** Below this the skip saves less than the scan and the extra emulator call cost. */
export const MIN_SKIP_BYTES = 16 * 1024;

export interface ScrolledPast {
  /** The first byte skipped: just after a line feed, so the emulator stops between lines. */
  start: number;
  /** Just after the carriage return and line feed that end the skipped stretch. */
  end: number;
}

/**
 * Bytes that can change the terminal's state beyond the text on a row: C0 controls other than
 * tab, CR and LF, DEL, and C1 controls encoded in UTF-8 (C2 80 to C2 9F), which xterm.js obeys.
 */
function changesState(data: Buffer, i: number): boolean {
  const byte = data[i]!;
  if (byte < 0x20) return byte !== TAB && byte !== LF && byte !== CR;
  if (byte === 0x7f) return true;
  return byte >= 0x80 && byte <= 0x9f && i > 0 && data[i - 1] === 0xc2;
}

/**
 * The plain stretch that ends before the last `keepLines` lines of data, or null when there is
 * none worth skipping. What comes after it is left to be parsed, and must be, for the skip to be
 * invisible: those lines redraw every row of the screen and the scrollback.
 */
export function findScrolledPast(data: Buffer, keepLines: number): ScrolledPast | null {
  let end = data.length;
  for (let kept = 0; ; ) {
    const lf = data.lastIndexOf(LF, end - 1);
    if (lf <= 0) return null;
    end = lf;
    if (++kept > keepLines && data[lf - 1] === CR) break;
  }
  end += 1;
  let first = end - 1;
  while (first > 0 && !changesState(data, first - 1)) first--;
  const cut = data.indexOf(LF, first);
  if (cut < 0 || end - (cut + 1) < MIN_SKIP_BYTES) return null;
  return { start: cut + 1, end };
}
