// Puts the user's terminal in raw mode for the session and always puts it back, even when
// the client dies of a signal, so a crashed nono never leaves a broken terminal.
export class RawTerminal {
  private active = false;
  private readonly restoreOnExit = (): void => this.restore();
  /**
   * A shell sets its own mode when it takes the terminal back from a stopped job (kill -STOP,
   * -TSTP) and leaves it so after `fg`: raw mode is set again on SIGCONT, or keys would be
   * echoed by the terminal, held until Enter, and Ctrl-C would kill this client, not reach the
   * session. libuv keeps the mode it last set and skips a repeat, hence off and on.
   */
  private readonly reenter = (): void => {
    if (!this.active) return;
    try {
      process.stdin.setRawMode(false);
      process.stdin.setRawMode(true);
    } catch {
      // The terminal is gone (hung up); nothing left to set.
      return;
    }
    this.onContinue?.();
  };
  private onContinue: (() => void) | undefined;

  /** onContinue: called each time raw mode was set again after a stop. */
  enter(onContinue?: () => void): void {
    if (!process.stdin.isTTY || this.active) return;
    process.stdin.setRawMode(true);
    this.active = true;
    this.onContinue = onContinue;
    process.once('exit', this.restoreOnExit);
    process.on('SIGCONT', this.reenter);
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
    process.removeListener('SIGCONT', this.reenter);
  }

  size(): { rows: number; cols: number } {
    return { rows: clamp(process.stdout.rows), cols: clamp(process.stdout.columns) };
  }
}

function clamp(n: number | undefined): number {
  return Math.min(1000, Math.max(1, n ?? 24));
}
