// Structured logs to nonod.log in the state dir. Secrets and environments are redacted at
// the logger so no call site can leak them by accident.
import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

export function createLogger(logPath: string, level = process.env.NONO_LOG_LEVEL ?? 'info'): Logger {
  mkdirSync(dirname(logPath), { recursive: true, mode: 0o700 });
  // Opened here, synchronously: a daemon that fails right after start must still flush and
  // exit, and pino's own asynchronous open throws when flushed before it finished.
  const fd = openSync(logPath, 'a', 0o600);
  const destination = pino.destination({ fd, sync: false });
  // A log that cannot be written (the disk is full) must not take the daemon down with it:
  // the lines are lost, the sessions are not. There is nowhere left to report it.
  destination.on('error', () => undefined);
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['token', 'secret', 'env', '*.token', '*.secret', '*.env', 'params.token', 'params.env'], censor: '[redacted]' },
    },
    destination,
  );
}
