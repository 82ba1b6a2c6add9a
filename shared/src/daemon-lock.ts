// Who holds nonod's single-instance lock, read the same way by the daemon (taking it) and by
// the client (waiting for a daemon that is still starting, or stopping one whose socket is gone).
import { readFileSync } from 'node:fs';

/**
 * Whether pid is a running nonod. A killed daemon may linger as a zombie its new parent never
 * reaps, and its pid may be reused, so on Linux /proc decides; elsewhere kill(0) must do.
 */
export function daemonAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nonod');
  } catch {
    return false;
  }
}

/** The pid a lock file's text names, if it names one. */
export function recordedPid(text: string): number | undefined {
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid the lock file names, if that process is a live nonod. */
export function lockHolder(lockPath: string): number | undefined {
  let pid: number | undefined;
  try {
    pid = recordedPid(readFileSync(lockPath, 'utf8'));
  } catch {
    return undefined;
  }
  return pid !== undefined && daemonAlive(pid) ? pid : undefined;
}
