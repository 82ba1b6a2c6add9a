// Where nono keeps its files. One function so the client, the daemon and the policy
// (which must keep every one of these out of a sandbox) agree on the same paths.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface NonoPaths {
  configDir: string;
  stateDir: string;
  runtimeDir: string;
  socketPath: string;
  secretPath: string;
  lockPath: string;
  dbPath: string;
  logPath: string;
  /** Installed policy packs: `$NONO_PACKAGES`, else under the XDG data dir (as the Rust nono keeps them). */
  packagesDir: string;
  /** True when XDG_RUNTIME_DIR was unset and the runtime dir fell back under /tmp. */
  runtimeInTmp: boolean;
}

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.startsWith('/') ? value : undefined;
}

export function resolveNonoPaths(env: Env = process.env): NonoPaths {
  const home = nonEmpty(env.HOME) ?? homedir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const configDir = join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'nono');
  const stateDir = join(nonEmpty(env.XDG_STATE_HOME) ?? join(home, '.local', 'state'), 'nono');
  const packagesDir = nonEmpty(env.NONO_PACKAGES) ?? join(nonEmpty(env.XDG_DATA_HOME) ?? join(home, '.local', 'share'), 'nono', 'packages');
  const xdgRuntime = nonEmpty(env.XDG_RUNTIME_DIR);
  const runtimeDir = xdgRuntime ? join(xdgRuntime, 'nono') : `/tmp/nono-${uid}`;
  const socketPath = nonEmpty(env.NONO_SOCKET) ?? join(runtimeDir, 'nono.sock');
  return {
    configDir,
    stateDir,
    runtimeDir,
    socketPath,
    secretPath: join(runtimeDir, 'secret'),
    lockPath: join(runtimeDir, 'nonod.lock'),
    dbPath: join(stateDir, 'nono.db'),
    logPath: join(stateDir, 'nonod.log'),
    packagesDir,
    runtimeInTmp: xdgRuntime === undefined,
  };
}
