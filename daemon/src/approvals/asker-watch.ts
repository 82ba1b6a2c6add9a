// Whether the process that asked for a file is still there to need the answer: the helper's
// channel has no "withdrawn" line, so the daemon looks at /proc itself. The process's start time
// is kept with its pid, so a pid the kernel reuses for another process is not taken for it.
// Only where the helper reports host pids (Landlock alone) does a pid not found mean gone.
import { processStat } from '../process-stat.js';

/** How often a held asker is looked at: well under a human's answer, cheap next to the open it holds. */
const POLL_MS = 200;

/**
 * Aborts when the asking process (a thread id, as seccomp reports it) has exited; stop() ends the
 * watch. With `hostPids` false a pid this daemon cannot see is not watched at all.
 */
export function watchAsker(pid: number, hostPids: boolean): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const started = startTimeOf(pid);
  if (started === undefined) {
    if (hostPids) controller.abort(`process ${pid} exited`);
    return { signal: controller.signal, stop: () => undefined };
  }
  const timer = setInterval(() => {
    if (startTimeOf(pid) === started) return;
    clearInterval(timer);
    controller.abort(`process ${pid} exited`);
  }, POLL_MS);
  timer.unref();
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

function startTimeOf(pid: number): string | undefined {
  return processStat(pid)?.startTime;
}
