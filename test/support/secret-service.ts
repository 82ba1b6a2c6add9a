// A real Secret Service for tests: a private D-Bus session bus with gnome-keyring-daemon on it,
// unlocked, its keyrings in the test world rather than the user's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretService {
  env: Record<string, string>;
  stop(): void;
}

/** Undefined when dbus-daemon or gnome-keyring-daemon is missing (the set-up script installs them). */
export function startSecretService(root: string): SecretService | undefined {
  if (spawnSync('sh', ['-c', 'command -v dbus-daemon && command -v gnome-keyring-daemon']).status !== 0) return undefined;
  const home = join(root, 'keyring-home');
  mkdirSync(join(home, '.local', 'share'), { recursive: true });
  const [address, pid] = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' }).trim().split('\n');
  const env = { DBUS_SESSION_BUS_ADDRESS: address!, HOME: home, XDG_DATA_HOME: join(home, '.local', 'share') };
  execFileSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { input: 'test-password', env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'ignore'] });
  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address! },
    stop: () => {
      // Only the keyring daemon on this bus: the user's own keyring must live on.
      for (const other of keyringDaemonsOn(address!)) signal(other);
      signal(Number(pid));
    },
  };
}

function keyringDaemonsOn(address: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('gnome-keyring-daemon')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`DBUS_SESSION_BUS_ADDRESS=${address}`)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
