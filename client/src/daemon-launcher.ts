// Starts nonod on demand, detached, logging to the state dir, and waits for its socket.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { NonoError } from '@nono/shared/protocol/errors';
import type { NonoPaths } from '@nono/shared/paths';

function daemonEntry(): string {
  if (process.env.NONO_DAEMON_BIN) return process.env.NONO_DAEMON_BIN;
  return createRequire(import.meta.url).resolve('@nono/daemon/bin/nonod.js');
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

export async function connectOrStart(paths: NonoPaths, autoStart: boolean, env: NodeJS.ProcessEnv = process.env): Promise<Socket> {
  try {
    return await connectSocket(paths.socketPath);
  } catch (error) {
    if (!isAbsent(error) || !autoStart) {
      throw new NonoError(
        'DAEMON_UNREACHABLE',
        `nonod is not running at ${paths.socketPath} (${(error as NodeJS.ErrnoException).code}); start it with \`nono daemon start\``,
      );
    }
  }
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(`${paths.stateDir}/nonod.stderr`, 'a', 0o600);
  const child = spawn(process.execPath, [daemonEntry()], { detached: true, stdio: ['ignore', logFd, logFd], env });
  closeSync(logFd);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await connectSocket(paths.socketPath);
    } catch (error) {
      if (!isAbsent(error) || Date.now() > deadline || (exited !== null && exited !== 0)) {
        throw new NonoError(
          'DAEMON_UNREACHABLE',
          `nonod did not start (${exited !== null ? `exit ${exited}` : 'no socket after 10 s'}); see ${paths.stateDir}/nonod.stderr`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
