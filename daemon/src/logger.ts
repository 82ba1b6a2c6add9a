// Structured logs to nonod.log in the state dir. Secrets and environments are redacted at
// the logger so no call site can leak them by accident.
import pino, { type Logger } from 'pino';

export function createLogger(logPath: string, level = process.env.NONO_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['token', 'secret', 'env', '*.token', '*.secret', '*.env', 'params.token', 'params.env'], censor: '[redacted]' },
    },
    pino.destination({ dest: logPath, mkdir: true, append: true, sync: false }),
  );
}
