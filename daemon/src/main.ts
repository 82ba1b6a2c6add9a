// nonod entry point: start, report one line on failure, stop cleanly on signals.
import { NonoError } from '@nono/shared';
import { startDaemon, VERSION } from './daemon.js';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`nonod ${VERSION}\n`);
  process.exit(0);
}
if (args.includes('--help') || args.length > 0) {
  process.stdout.write('usage: nonod [--version]\nThe nono daemon; `nono` starts it on demand. Paths follow XDG (see README).\n');
  process.exit(args.includes('--help') ? 0 : 2);
}

process.umask(0o077);
try {
  const result = await startDaemon();
  if (result.kind === 'already-running') {
    process.stderr.write(`nonod: already running (pid ${result.pid})\n`);
    process.exit(0);
  }
  const { daemon } = result;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => void daemon.stop(signal));
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`nonod: internal error: ${error.stack ?? error.message}\n`);
  });
  await daemon.stopped;
  process.exit(0);
} catch (error) {
  // The client that started us reads this line back, kind included, to tell the user why.
  const kind = error instanceof NonoError ? error.kind : 'INTERNAL';
  process.stderr.write(`nonod: cannot start (${kind}): ${(error as Error).message}\n`);
  process.exit(1);
}
