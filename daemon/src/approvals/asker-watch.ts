// Whether the process that asked for a file is still there to need the answer: the helper's
// channel has no "withdrawn" line, so the daemon looks at /proc itself. The process's start time
// is kept with its pid, so a pid the kernel reuses for another process is not taken for it.
import { readFileSync } from 'node:fs';

/** How often a held asker is looked at: well under a human's answer, cheap next to the open it holds. */
const POLL_MS = 200;

/** Aborts when the asking process (a thread id, as seccomp reports it) has exited; stop() ends the watch. */
export function watchAsker(pid: number): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const started = startTimeOf(pid);
  if (started === undefined) {
    controller.abort(`process ${pid} exited`);
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

/** Field 22 of /proc/PID/stat, counted after the command name (which may hold spaces and parentheses); a zombie has exited. */
function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}
