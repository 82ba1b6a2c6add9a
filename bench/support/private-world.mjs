// A private world for one bench: temp HOME and XDG dirs (runtime dir 0700) and, when asked, a
// private nonod on them, so timing never touches, or is slowed by, the developer's own daemon.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nonoArgv } from './nono-cli.mjs';

export function createWorld(prefix = 'nono-bench-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dir = (name) => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return path;
  };
  const world = {
    root,
    home: dir('home'),
    work: dir('work'),
    tmp: dir('tmp'),
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: join(root, 'home'),
      XDG_RUNTIME_DIR: dir('run'),
      XDG_STATE_HOME: dir('state'),
      XDG_CONFIG_HOME: dir('config'),
      TMPDIR: join(root, 'tmp'),
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  return world;
}

function cli(repo, world, args) {
  const argv = nonoArgv(repo, args);
  return spawnSync(argv[0], argv.slice(1), {
    cwd: world.work,
    env: world.env,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

/** Sends a signal; false when the process is gone. */
function signal(pid, name) {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the daemon for the world; returns stop(). Throws with nono's own message on failure.
 * With daemonOptions (DaemonOptions, e.g. a local stand-in for an API) it is started through the
 * test-only entry, since `nonod` takes no such options; otherwise as `nono daemon start` does.
 */
export function startDaemon(repo, world, daemonOptions) {
  if (daemonOptions) {
    const entry = join(repo, 'test', 'support', 'nonod-test-entry.mjs');
    const log = openSync(join(world.env.XDG_STATE_HOME, 'nonod-test-entry.log'), 'a', 0o600);
    spawn(process.execPath, [entry, JSON.stringify(daemonOptions)], { env: world.env, detached: true, stdio: ['ignore', log, log] }).unref();
    const socket = join(world.env.XDG_RUNTIME_DIR, 'nono', 'nono.sock');
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; waited < 10_000 && !existsSync(socket); waited += 50) Atomics.wait(pause, 0, 0, 50);
  }
  const started = cli(repo, world, daemonOptions ? ['daemon', 'status', '--json'] : ['daemon', 'start', '--json']);
  if (started.status !== 0) {
    throw new Error(`nono daemon start failed (exit ${started.status}): ${(started.stderr || started.stdout).trim()}`);
  }
  const status = JSON.parse(started.stdout);
  return {
    status,
    stop: () => {
      const stopped = cli(repo, world, ['daemon', 'stop', '--json']);
      if (stopped.status !== 0) {
        // The client may be mid-rebuild; never leave our daemon behind on deleted dirs.
        const reason = stopped.stderr.trim().split('\n').find((l) => /Error|error:/.test(l)) ?? `exit ${stopped.status}`;
        process.stderr.write(`bench: nono daemon stop failed (${reason}); sending SIGTERM to nonod pid ${status.pid}\n`);
        signal(status.pid, 'SIGTERM');
      }
      // Let it finish exiting before the caller deletes its directories.
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (let waited = 0; waited < 5000 && signal(status.pid, 0); waited += 50) Atomics.wait(pause, 0, 0, 50);
    },
  };
}
