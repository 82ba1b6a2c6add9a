// A terminal emulator fed with the session's PTY output, so an attaching client is first shown
// the screen as it is now (cursor, colours, the alternate screen of a full-screen TUI), not a
// replay of every byte since the start. xterm.js's headless build is the emulator VS Code uses.
import { createRequire } from 'node:module';
import type { Terminal as XtermTerminal } from '@xterm/headless';
import type { SerializeAddon as XtermSerializeAddon } from '@xterm/addon-serialize';
import type { TerminalSize } from '@nono/shared';

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

export interface ScreenSnapshot {
  /** Escape sequences that redraw the screen and scrollback on a blank terminal. */
  data: string;
  /** Whether a full-screen program owns the screen (its redraw is the faithful picture). */
  alternate: boolean;
}

export class ScreenModel {
  private readonly terminal: XtermTerminal;
  private readonly serializer: XtermSerializeAddon;

  constructor(size: TerminalSize) {
    const { Terminal, SerializeAddon } = loadEmulator();
    this.terminal = new Terminal({ cols: size.cols, rows: size.rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.terminal.loadAddon(this.serializer);
  }

  write(data: Buffer): void {
    this.terminal.write(data);
  }

  resize(size: TerminalSize): void {
    this.terminal.resize(size.cols, size.rows);
  }

  /** Waits for the emulator to parse what it was given, then serialises the screen. */
  snapshot(): Promise<ScreenSnapshot> {
    return new Promise((resolve) => {
      this.terminal.write('', () => {
        resolve({ data: this.serializer.serialize({ scrollback: SCROLLBACK_LINES }), alternate: this.terminal.buffer.active.type === 'alternate' });
      });
    });
  }

  dispose(): void {
    this.terminal.dispose();
  }
}
