// A terminal emulator fed with the session's PTY output, so an attaching client is first shown
// the screen as it is now (cursor, colours, the alternate screen of a full-screen TUI), not a
// replay of every byte since the start. xterm.js's headless build is the emulator VS Code uses.
// Output is parsed lazily, off the path from the PTY to attached clients: it waits raw until a
// snapshot, a resize or half a megabyte, and plain lines that scroll past unseen are skipped.
import { createRequire } from 'node:module';
import type { Terminal as XtermTerminal } from '@xterm/headless';
import type { SerializeAddon as XtermSerializeAddon } from '@xterm/addon-serialize';
import type { TerminalSize } from '@nono/shared';
import { findScrolledPast } from './scrolled-past.js';

// Loaded with the first terminal session, not at start: the emulator is a tenth of an idle
// daemon's memory, and a daemon that only answers editors or scripts never needs it.
const require = createRequire(import.meta.url);
let emulator: { Terminal: typeof XtermTerminal; SerializeAddon: typeof XtermSerializeAddon } | undefined;
function loadEmulator(): NonNullable<typeof emulator> {
  emulator ??= {
    Terminal: (require('@xterm/headless') as { Terminal: typeof XtermTerminal }).Terminal,
    SerializeAddon: (require('@xterm/addon-serialize') as { SerializeAddon: typeof XtermSerializeAddon }).SerializeAddon,
  };
  return emulator;
}

/** Scrollback kept for attach; the on-disk log keeps the rest. */
const SCROLLBACK_LINES = 1000;

/**
 * Raw output held before it is parsed. Parsing this much at once takes about as long as one of
 * xterm.js's own write slices (~12 ms), so a busy session delays keystrokes no more than before.
 */
const SETTLE_BYTES = 512 * 1024;

/**
 * What xterm.js keeps private and this model uses: its synchronous write (the unit tests fail
 * if a release drops it), and, for the skip, whether the parser is between sequences and the
 * scroll region, read defensively: if a release renames those, nothing is skipped.
 */
interface EmulatorCore {
  writeSync(data: Uint8Array): void;
  _inputHandler?: { _parser?: { currentState?: number } };
  buffer?: { scrollTop?: number; scrollBottom?: number };
}

export interface ScreenSnapshot {
  /** Escape sequences that redraw the screen and scrollback on a blank terminal. */
  data: string;
  /** Whether a full-screen program owns the screen (its redraw is the faithful picture). */
  alternate: boolean;
}

export class ScreenModel {
  private readonly terminal: XtermTerminal;
  private readonly serializer: XtermSerializeAddon;
  private readonly core: EmulatorCore;
  private raw: Buffer[] = [];
  private rawBytes = 0;

  constructor(size: TerminalSize) {
    const { Terminal, SerializeAddon } = loadEmulator();
    // logLevel off: writeSync warns once that it is internal, on the daemon's stderr.
    this.terminal = new Terminal({ cols: size.cols, rows: size.rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true, logLevel: 'off' });
    this.serializer = new SerializeAddon();
    this.terminal.loadAddon(this.serializer);
    this.core = (this.terminal as unknown as { _core: EmulatorCore })._core;
  }

  write(data: Buffer): void {
    this.raw.push(data);
    this.rawBytes += data.length;
    if (this.rawBytes >= SETTLE_BYTES) this.settle(true);
  }

  resize(size: TerminalSize): void {
    this.settle(false);
    this.terminal.resize(size.cols, size.rows);
  }

  /** The screen as the output so far leaves it. */
  snapshot(): ScreenSnapshot {
    this.settle(false);
    return { data: this.serializer.serialize({ scrollback: SCROLLBACK_LINES }), alternate: this.terminal.buffer.active.type === 'alternate' };
  }

  /**
   * What takes a terminal that shows this screen out of the program's own modes (the alternate
   * screen, mouse reporting, application keys, bracketed paste, focus reports), for a client
   * that leaves while a full-screen program runs or after one died in them; '' when none is on.
   */
  leaving(): string {
    this.settle(false);
    const modes = this.terminal.modes;
    let sequence = this.terminal.buffer.active.type === 'alternate' ? '\x1b[?1049l' : '';
    if (modes.mouseTrackingMode !== 'none') sequence += '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l';
    if (modes.applicationCursorKeysMode) sequence += '\x1b[?1l';
    if (modes.applicationKeypadMode) sequence += '\x1b>';
    if (modes.bracketedPasteMode) sequence += '\x1b[?2004l';
    if (modes.sendFocusMode) sequence += '\x1b[?1004l';
    return sequence;
  }

  dispose(): void {
    this.raw = [];
    this.terminal.dispose();
  }

  /**
   * Parses the raw output. A plain stretch that the lines after it push past the scrollback is
   * replaced by line feeds enough to reach the bottom row, which leaves the emulator as the
   * stretch would have: the parser between sequences, the cursor in column 0 of the last row,
   * attributes untouched. With carryTail, those last lines wait for the next settle, since more
   * output may push them past too.
   */
  private settle(carryTail: boolean): void {
    if (this.rawBytes === 0) return;
    const data = this.raw.length === 1 ? this.raw[0]! : Buffer.concat(this.raw, this.rawBytes);
    this.raw = [];
    this.rawBytes = 0;
    const rows = this.terminal.rows;
    const past = findScrolledPast(data, rows + SCROLLBACK_LINES + 1);
    if (!past) return this.core.writeSync(data);
    this.core.writeSync(data.subarray(0, past.start));
    this.core.writeSync(this.between() ? Buffer.from('\r\n'.repeat(rows + 1)) : data.subarray(past.start, past.end));
    const tail = data.subarray(past.end);
    if (carryTail && tail.length < SETTLE_BYTES / 2) {
      this.raw = [Buffer.from(tail)];
      this.rawBytes = tail.length;
    } else {
      this.core.writeSync(tail);
    }
  }

  /** Whether the parser is in its ground state and the scroll region is the whole screen. */
  private between(): boolean {
    const { _inputHandler: handler, buffer } = this.core;
    return handler?._parser?.currentState === 0 && buffer?.scrollTop === 0 && buffer.scrollBottom === this.terminal.rows - 1;
  }
}
