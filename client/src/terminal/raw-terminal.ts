// Puts the user's terminal in raw mode for the session and always puts it back, even when
// the client dies of a signal, so a crashed nono never leaves a broken terminal.
export class RawTerminal {
  private active = false;
  private readonly restoreOnExit = (): void => this.restore();

  enter(): void {
    if (!process.stdin.isTTY || this.active) return;
    process.stdin.setRawMode(true);
    this.active = true;
    process.once('exit', this.restoreOnExit);
  }

  restore(): void {
    if (!this.active) return;
    this.active = false;
    try {
      process.stdin.setRawMode(false);
    } catch {
      // The terminal is gone (hung up); nothing left to restore.
    }
    process.removeListener('exit', this.restoreOnExit);
  }

  size(): { rows: number; cols: number } {
    return { rows: clamp(process.stdout.rows), cols: clamp(process.stdout.columns) };
  }
}

function clamp(n: number | undefined): number {
  return Math.min(1000, Math.max(1, n ?? 24));
}
