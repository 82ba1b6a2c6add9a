// A full disk, a directory the daemon may not read, a tree deleted under it, an SQLite file it
// cannot write: failures that come from outside nono, not bugs. Each gets its own error kind and one line naming the path and
// what to do, instead of "internal error"; anything else is left to be reported as the bug it is.
import { NonoError, quoteName, type ErrorKind } from '@nono/shared';

interface OutsideFailure {
  kind: ErrorKind;
  why: string;
  todo: string;
}

const FAILURES: Record<string, OutsideFailure> = {
  ENOSPC: { kind: 'DISK_FULL', why: 'no space left on the device', todo: 'free space there (nono snapshot gc drops old snapshots), then retry' },
  EDQUOT: { kind: 'DISK_FULL', why: 'disk quota exceeded', todo: 'free space or raise the quota, then retry' },
  EACCES: { kind: 'PERMISSION_DENIED', why: 'permission denied', todo: "give nonod's user access to it or leave it out with --exclude, then retry" },
  EPERM: { kind: 'PERMISSION_DENIED', why: 'operation not permitted', todo: "give nonod's user the right to change it, then retry" },
  ENOENT: { kind: 'PATH_NOT_FOUND', why: 'it does not exist (any more)', todo: 'recreate it or check the path, then retry' },
  EROFS: { kind: 'READ_ONLY_FILESYSTEM', why: 'it is on a read-only filesystem', todo: 'remount it read-write, then retry' },
  EMFILE: { kind: 'TOO_MANY_OPEN_FILES', why: "nonod's open-file limit is reached", todo: 'raise ulimit -n for nonod or retry when less is running' },
  ENFILE: { kind: 'TOO_MANY_OPEN_FILES', why: "the system's open-file limit is reached", todo: 'retry when less is running or raise fs.file-max' },
};

/** SQLite's result codes for the same outside failures, as the errno they amount to. */
const SQLITE_ERRNO: Record<string, string> = {
  SQLITE_FULL: 'ENOSPC',
  SQLITE_READONLY: 'EROFS',
  SQLITE_READONLY_DIRECTORY: 'EROFS',
  SQLITE_CANTOPEN: 'EACCES',
  SQLITE_PERM: 'EPERM',
  SQLITE_IOERR_WRITE: 'ENOSPC',
};

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  return code.startsWith('SQLITE_') ? SQLITE_ERRNO[code] : code;
}

/**
 * The NonoError for an fs failure from outside, or the error unchanged. `action` says what was
 * being done ("snapshot of /w/repo"); `where` is the path to name when the error carries none
 * (a write to an open file reports no path); `outcome`, what the failure left behind.
 */
export function outsideFailure(err: unknown, action: string, where: string, outcome?: string): unknown {
  if (err instanceof NonoError) return err;
  const { path, syscall } = err as NodeJS.ErrnoException;
  const code = errnoOf(err);
  const failure = code === undefined ? undefined : FAILURES[code];
  if (failure === undefined) return err;
  const at = typeof path === 'string' ? path : where;
  const what = `${action} failed at ${quoteName(at)}${syscall ? ` (${syscall})` : ''}: ${failure.why}`;
  return new NonoError(failure.kind, `${what}; ${outcome ? `${outcome}; ` : ''}${failure.todo}`, { path: at, errno: code });
}

/** Runs `work`, turning a failure from outside into its own error kind. */
export async function namingOutsideFailures<T>(action: string, where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw outsideFailure(err, action, where);
  }
}
