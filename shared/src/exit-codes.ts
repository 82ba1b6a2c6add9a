// Exit codes of `nono run`, `nono shell` and `nono attach`, fixed by DESIGN.md so scripts can
// tell the child's failure from nono's own. The daemon applies exitCodeFor once, to the
// `exitCode` of session.exit (and ps, inspect and the audit log); the CLI passes that through
// and uses the constants here only for its own failures and refusals before the start.
export const EXIT_SETUP_FAILED = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;
export const EXIT_SIGNAL_BASE = 128;

export function exitCodeFor(code: number | null, signal: number | null): number {
  if (signal !== null && signal > 0) return EXIT_SIGNAL_BASE + signal;
  return code ?? EXIT_SETUP_FAILED;
}

/** A refusal before the sandbox starts, with the code a shell gives the same failure. */
export function exitCodeForRefusal(kind: string): number {
  if (kind === 'COMMAND_NOT_FOUND') return EXIT_NOT_FOUND;
  if (kind === 'COMMAND_BLOCKED') return EXIT_NOT_EXECUTABLE;
  return EXIT_SETUP_FAILED;
}
