// When the user's terminal goes away (window closed, ssh dropped), the client ends the way a
// terminal program should: dead of SIGHUP, with nothing more written. Exiting normally is not
// an option: Node's exit path restores the terminal's settings and aborts (SIGABRT, a core
// dump) when the terminal is gone (Node 20's ResetStdio asserts tcsetattr succeeded).
export function dieOfHangup(): never {
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
  // The signal is delivered before kill returns to a single-threaded caller; this is a backstop.
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}
