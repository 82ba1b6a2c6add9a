// Runs a daemon until it is told to stop: the body of `nonod`, shared with the test-only entry
// that passes DaemonOptions. Reports one line on failure and stops cleanly on signals.
import { writeSync } from 'node:fs';
import { NonoError, resolveNonoPaths } from '@nono/shared';
import { outsideFailure } from './outside-failures.js';
import { startDaemon, type DaemonOptions } from './daemon.js';

export async function runDaemon(options: DaemonOptions = {}): Promise<never> {
  process.umask(0o077);
  try {
    const result = await startDaemon(options);
    if (result.kind === 'already-running') {
      process.stderr.write(`nonod: already running (pid ${result.pid})\n`);
      process.exit(0);
    }
    const { daemon } = result;
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.on(signal, () => void daemon.stop(signal));
    }
    // Written synchronously and allowed to fail: on a full disk an asynchronous write's error
    // would itself be uncaught, and the handler would loop on it.
    process.stderr.on('error', () => undefined);
    process.on('uncaughtException', (error) => {
      try {
        writeSync(2, `nonod: internal error: ${error.stack ?? error.message}\n`);
      } catch {
        // stderr is full or gone: nowhere left to say it.
      }
    });
    await daemon.stopped;
    process.exit(0);
  } catch (error) {
    // The client that started us reads this line back, kind included, to tell the user why.
    const named = outsideFailure(error, 'starting nonod', resolveNonoPaths(options.env ?? process.env).stateDir);
    const kind = named instanceof NonoError ? named.kind : 'INTERNAL';
    process.stderr.write(`nonod: cannot start (${kind}): ${(named as Error).message}\n`);
    process.exit(1);
  }
}
