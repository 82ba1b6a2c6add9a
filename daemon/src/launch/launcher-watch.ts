// A taken warm client follows its launcher's job through job control: the launcher stops and
// continues it for the signals it can catch (Ctrl-Z, fg), but SIGSTOP and SIGKILL reach only the
// launcher. A warm client left running while its launcher is stopped would read what the user
// types at the shell; one left stopped after its launcher was killed would never notice that
// and never end. So the daemon looks at the launcher: stopped, the client is stopped too (the
// launcher continues it when it is continued); gone, the client is continued, sees its launcher's
// connection closed, and ends.
import type { ChildProcess } from 'node:child_process';
import { processStat } from '../process-stat.js';

/** How often: a user typing at the shell right after a `kill -STOP` has this long at most. */
const POLL_MS = 200;

export function watchLauncher(launcherPid: number, client: ChildProcess): void {
  const started = processStat(launcherPid)?.startTime;
  if (started === undefined) {
    client.kill('SIGCONT');
    return;
  }
  const timer = setInterval(() => {
    const now = processStat(launcherPid);
    if (now === undefined || now.startTime !== started) {
      clearInterval(timer);
      client.kill('SIGCONT');
    } else if (now.state === 'T') {
      client.kill('SIGSTOP');
      // Continued meanwhile: the launcher's own SIGCONT to the client may have come before ours.
      if (processStat(launcherPid)?.state !== 'T') client.kill('SIGCONT');
    }
  }, POLL_MS);
  timer.unref();
  client.once('exit', () => clearInterval(timer));
}
