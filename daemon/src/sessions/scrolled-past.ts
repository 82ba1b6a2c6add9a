// Finds the stretch of a session's output that cannot show on any screen an attaching client is
// sent: plain lines (no control or escape bytes) followed by enough lines to push them past the
// scrollback. The screen model skips it instead of parsing it, which is what makes `cat` of a
// large file cost a scan rather than an emulator pass per byte. Pure, so it is tested on bytes.

const LF = 0x0a;
const CR = 0x0d;

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
 * tab, CR and LF, and DEL; and C1 controls encoded in UTF-8 (C2 80 to C2 9F), which xterm.js
 * obeys. Searched one value at a time from the end, which runs at memory speed.
 */
const STATE_BYTES = [...Array.from({ length: 0x20 }, (_, byte) => byte).filter((byte) => byte !== 0x09 && byte !== LF && byte !== CR), 0x7f];

/** Just after the last byte before `end` that can change the terminal's state (0 if none). */
function afterLastStateChange(data: Buffer, end: number): number {
  let after = 0;
  for (const byte of STATE_BYTES) after = Math.max(after, data.lastIndexOf(byte, end - 1) + 1);
  for (let lead = data.lastIndexOf(0xc2, end - 2); lead >= after; lead = data.lastIndexOf(0xc2, lead - 1)) {
    const next = data[lead + 1]!;
    if (next >= 0x80 && next <= 0x9f) return lead + 2;
    if (lead === 0) break;
  }
  return after;
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
  const cut = data.indexOf(LF, afterLastStateChange(data, end));
  if (cut < 0 || end - (cut + 1) < MIN_SKIP_BYTES) return null;
  return { start: cut + 1, end };
}
