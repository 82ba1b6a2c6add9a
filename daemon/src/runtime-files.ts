// The daemon's private directories, its single-instance lock and its secret.
// Threat: /tmp/nono-$UID may be pre-created by another user to catch our socket and secret,
// so an existing directory is used only if it is ours, a real directory, and mode 0700.
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { NonoError } from '@nono/shared';
import { daemonAlive, lockHolder, recordedPid } from '@nono/shared/daemon-lock';

export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const stats = lstatSync(path);
  const uid = process.getuid!();
  if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o077) !== 0) {
    throw new NonoError(
      'SANDBOX_UNAVAILABLE',
      `${path} must be a directory owned by uid ${uid} with mode 0700 (it is ${stats.isDirectory() ? 'a directory' : 'not a directory'}, uid ${stats.uid}, mode ${(stats.mode & 0o777).toString(8)}); remove it or set XDG_RUNTIME_DIR`,
      { path },
    );
  }
}

/** Creates path, 0600, failing if anything (a symlink included) is there already, and writes content. */
export function createPrivateFile(path: string, content: Buffer | string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
  } finally {
    closeSync(fd);
  }
}

/** Writes a file atomically with the given mode: never half-written, never briefly readable. */
export function writePrivateFile(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  // Left by a killed process that had our pid (the dir is ours alone, 0700): not a reason to fail.
  rmSync(temp, { force: true });
  createPrivateFile(temp, content);
  renameSync(temp, path);
}

/**
 * Takes the single-instance lock. Hand-written rather than proper-lockfile: staleness is
 * decided by whether the recorded pid is alive, which mtime-based libraries cannot know.
 * Returns the pid of the daemon already running, or undefined when the lock is ours.
 */
export function acquireLock(path: string): number | undefined {
  // The pid is written first and linked into place: link() fails when the lock exists, so a lock
  // always names its holder. (Created, then written, it could be read empty by a daemon starting
  // alongside, taken for stale and removed, and both would run; placeLock still does that where
  // hard links do not exist.)
  const mine = `${path}.${process.pid}.tmp`;
  writePrivateFile(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (placeLock(mine, path, String(process.pid))) return undefined;
      const text = readLock(path);
      const holder = text === undefined ? undefined : recordedPid(text);
      if (holder !== undefined && holder !== process.pid && daemonAlive(holder)) return holder;
      removeStaleLock(path, holder);
    }
  } finally {
    unlinkSync(mine);
  }
  throw new NonoError('SANDBOX_UNAVAILABLE', `could not take the daemon lock ${path}; another nonod keeps racing for it`);
}

/** Puts the lock written in source (its text, content) in place; false when one exists already. */
function placeLock(source: string, path: string, content: string): boolean {
  try {
    linkSync(source, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
  // A file system without hard links (some FUSE and network mounts): created exclusively and
  // then written, as before, rather than no daemon at all; the empty moment comes back there.
  try {
    createPrivateFile(path, content);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The lock's text, or undefined when there is no lock. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes a lock whose holder is gone. It is moved aside first and looked at again there: a
 * daemon starting alongside may have replaced it since it was read, and its lock goes back.
 */
function removeStaleLock(path: string, stale: number | undefined): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const text = readFileSync(aside, 'utf8');
    if (recordedPid(text) !== stale) placeLock(aside, path, text);
  } finally {
    unlinkSync(aside);
  }
}

export function releaseLock(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

export function createSecret(path: string): string {
  ensurePrivateDir(dirname(path));
  const secret = randomBytes(32).toString('hex');
  writePrivateFile(path, `${secret}\n`);
  return secret;
}

/**
 * Puts back what a removed runtime dir took with it while this daemon lives: the dir, the lock
 * (so no second daemon starts) and the secret (the same one, so clients can still authenticate).
 */
export function restoreRuntimeFiles(paths: { runtimeDir: string; lockPath: string; secretPath: string }, secret: string): void {
  ensurePrivateDir(paths.runtimeDir);
  const holder = lockHolder(paths.lockPath);
  if (holder !== undefined && holder !== process.pid) {
    // A client found the dir empty and started another daemon, which won the lock: it owns the
    // path now, and two daemons must never share it.
    throw new NonoError('DAEMON_UNREACHABLE', `another nonod (pid ${holder}) took the runtime dir ${paths.runtimeDir} after it was removed; this one keeps its sessions but no longer listens`);
  }
  if (holder !== process.pid) writePrivateFile(paths.lockPath, String(process.pid));
  let current: string | undefined;
  try {
    current = readFileSync(paths.secretPath, 'utf8').trim();
  } catch {
    current = undefined;
  }
  if (current !== secret) writePrivateFile(paths.secretPath, `${secret}\n`);
}
