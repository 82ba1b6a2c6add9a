// An unprivileged account for tests that must not pass merely because they run as root
// (root bypasses file modes, so only Landlock stands between it and a file).
import { execFileSync } from 'node:child_process';

const NAME = 'nono-test';

export function unprivilegedUser(): { uid: number; gid: number } {
  const lookup = (): string => execFileSync('id', ['-u', NAME], { encoding: 'utf8' }).trim();
  let uid: string;
  try {
    uid = lookup();
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', NAME]);
    uid = lookup();
  }
  const gid = execFileSync('id', ['-g', NAME], { encoding: 'utf8' }).trim();
  return { uid: Number(uid), gid: Number(gid) };
}
