// nonod entry point: a daemon started the way a user starts it, with no options but the
// environment's paths.
import { VERSION } from './daemon.js';
import { runDaemon } from './run-daemon.js';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`nonod ${VERSION}\n`);
  process.exit(0);
}
if (args.includes('--help') || args.length > 0) {
  process.stdout.write('usage: nonod [--version]\nThe nono daemon; `nono` starts it on demand. Paths follow XDG (see README).\n');
  process.exit(args.includes('--help') ? 0 : 2);
}

await runDaemon();
