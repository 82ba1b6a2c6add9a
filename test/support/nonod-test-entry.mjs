// nonod as a test starts it when it needs what a user's daemon never takes (DaemonOptions: a
// local stand-in for an API, fixed DNS, an older kernel): the same runDaemon, with the options
// as JSON in argv[2]. Test-only: nothing ships it and nothing but daemon-process.ts runs it.
import { runDaemon } from '../../daemon/dist/bundle/run-daemon.js';

await runDaemon(JSON.parse(process.argv[2] ?? '{}'));
