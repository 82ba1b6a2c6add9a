// What the traced command did to each path, folded into one bit set per path as the trace is
// read, so memory grows with the distinct paths touched and not with the length of the trace.

/** The vocabulary the classifier speaks and the ledger folds. */
export const Touch = {
  /** Read the contents (open for reading, execve). */
  READ: 1,
  /** Wrote the contents or the metadata (O_WRONLY, O_TRUNC, truncate, chmod). */
  WRITE: 2,
  /** Listed a directory (open with O_DIRECTORY). */
  LIST: 4,
  /** Looked at it without opening it (stat, access, readlink, chdir, O_PATH). */
  META: 8,
  /** Created, removed or renamed this entry: the parent directory needs write. */
  ENTRY: 16,
  /** Entries were made in this directory (O_TMPFILE; the proposal adds it for ENTRY parents). */
  DIR_WRITE: 32,
  /** Looked for at least once and not found (ENOENT). */
  MISSING: 64,
  /** Opened with O_CREAT but not O_EXCL: an entry only if the file did not exist before. */
  MAY_CREATE: 128,
} as const;

/** Touches that show the path existed (or was made) at some point. */
const PRESENT = Touch.READ | Touch.WRITE | Touch.LIST | Touch.META | Touch.ENTRY | Touch.DIR_WRITE | Touch.MAY_CREATE;

export class AccessLedger {
  readonly paths = new Map<string, number>();

  /**
   * Folds one call's outcome. A failed call grants nothing: ENOENT is remembered as missing
   * (the command looked for it), EEXIST as proof the path exists, anything else (EACCES,
   * ENOTDIR, …) failed outside any sandbox too, so no grant would change it.
   */
  record(path: string, touch: number, errno: string | null): void {
    let add: number;
    if (errno === null) add = touch;
    else if (errno === 'ENOENT') add = Touch.MISSING;
    else if (errno === 'EEXIST') add = Touch.META;
    else return;
    this.paths.set(path, (this.paths.get(path) ?? 0) | add);
  }

  /** Whether the path was only ever looked for and not found. */
  static onlyMissing(flags: number): boolean {
    return (flags & PRESENT) === 0;
  }
}
