// Starts nonod on demand, detached, logging to the state dir, and waits for its socket.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ERROR_KINDS, NonoError, type ErrorKind } from '@nono/shared/protocol/errors';

const isErrorKind = (word: string): word is ErrorKind => Object.hasOwn(ERROR_KINDS, word);
import type { NonoPaths } from '@nono/shared/paths';
import { lockHolder } from '@nono/shared/daemon-lock';

/**
 * nonod's entry, found by where the packages sit and not through a package dependency: client/
 * and daemon/ are siblings in a checkout, and so are @nono/client and @nono/daemon installed side
 * by side, so from this module (or the bundle in dist/) it is ../../daemon/bin/nonod.js.
 */
function daemonEntry(): string {
  if (process.env.NONO_DAEMON_BIN) return process.env.NONO_DAEMON_BIN;
  const entry = fileURLToPath(new URL('../../daemon/bin/nonod.js', import.meta.url));
  if (!existsSync(entry)) {
    throw new NonoError('DAEMON_UNREACHABLE', `nonod is not installed at ${entry}; install @nono/daemon beside @nono/client, or set NONO_DAEMON_BIN to its bin/nonod.js`);
  }
  return entry;
}

export function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/**
 * The daemon says why it could not start in one line of its stderr log, with the error's kind:
 * passed on as that error, so the user reads the reason here and not in a log file.
 */
function startFailure(logPath: string): NonoError | undefined {
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8').slice(-16_384);
  } catch {
    return undefined;
  }
  const lines = text.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^nonod: cannot start \(([A-Z_]+)\): (.*)$/.exec(lines[i]!);
    if (match) return new NonoError(isErrorKind(match[1]!) ? match[1]! : 'DAEMON_UNREACHABLE', `nonod could not start: ${match[2]}`);
  }
  return undefined;
}

/** How long a daemon that is alive but has no socket yet (starting on a busy machine) is waited for. */
const START_WAIT_MS = 60_000;
/** Without autostart, a live daemon without a socket is one rebinding it (it checks twice a second). */
const REBIND_WAIT_MS = 5_000;

/**
 * Connects, starting nonod first when none runs. A daemon that holds the lock is starting
 * (or rebinding a socket someone removed): it is waited for while it lives, never doubled.
 */
export async function connectOrStart(paths: NonoPaths, autoStart: boolean, env: NodeJS.ProcessEnv = process.env): Promise<Socket> {
  try {
    return await connectSocket(paths.socketPath);
  } catch (error) {
    if (!isAbsent(error) || (!autoStart && lockHolder(paths.lockPath) === undefined)) {
      throw new NonoError(
        'DAEMON_UNREACHABLE',
        `nonod is not running at ${paths.socketPath} (${(error as NodeJS.ErrnoException).code}); start it with \`nono daemon start\``,
      );
    }
  }
  let exited: number | null = null;
  let spawned = false;
  if (lockHolder(paths.lockPath) === undefined && autoStart) {
    spawned = true;
    mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    const logFd = openSync(`${paths.stateDir}/nonod.stderr`, 'a', 0o600);
    const child = spawn(process.execPath, [daemonEntry()], { detached: true, stdio: ['ignore', logFd, logFd], env });
    closeSync(logFd);
    child.once('exit', (code) => (exited = code ?? 1));
    child.unref();
  }
  const waitMs = spawned ? START_WAIT_MS : autoStart ? START_WAIT_MS : REBIND_WAIT_MS;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await connectSocket(paths.socketPath);
    } catch (error) {
      // Still coming: a live lock holder, or the daemon we spawned before it takes the lock.
      const starting = lockHolder(paths.lockPath) !== undefined || (spawned && exited === null);
      if (!isAbsent(error) || Date.now() > deadline || !starting) {
        const reason = exited !== null && exited !== 0 ? startFailure(`${paths.stateDir}/nonod.stderr`) : undefined;
        if (reason) throw reason;
        throw new NonoError(
          'DAEMON_UNREACHABLE',
          `nonod did not start (${exited !== null && exited !== 0 ? `exit ${exited}` : `no socket at ${paths.socketPath} after ${Math.round(waitMs / 1000)} s`}); see ${paths.stateDir}/nonod.stderr`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
