// A terminal emulator fed with the session's PTY output, so an attaching client is first shown
// the screen as it is now (cursor, colours, the alternate screen of a full-screen TUI), not a
// replay of every byte since the start. xterm.js's headless build is the emulator VS Code uses.
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { TerminalSize } from '@nono/shared';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

/** Scrollback kept for attach; the on-disk log keeps the rest. */
const SCROLLBACK_LINES = 1000;

export interface ScreenSnapshot {
  /** Escape sequences that redraw the screen and scrollback on a blank terminal. */
  data: string;
  /** Whether a full-screen program owns the screen (its redraw is the faithful picture). */
  alternate: boolean;
}

export class ScreenModel {
  private readonly terminal;
  private readonly serializer = new SerializeAddon();

  constructor(size: TerminalSize) {
    this.terminal = new Terminal({ cols: size.cols, rows: size.rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
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
