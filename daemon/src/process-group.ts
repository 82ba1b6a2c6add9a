// Signalling a child's process group, which bears the child's pid. Once the child is collected
// and its group empty (a setsid'd grandchild can keep the child's pipes open long after), that
// number is free, and the kernel may give it to an unrelated process leading a group of its own:
// `nono stop` or a timeout would then signal someone else's processes.
import { processStat } from './process-stat.js';

/** A function that signals the group pid leads or led, but never the group of a later process that holds pid now. */
export function groupSignaller(pid: number | undefined): (signal: NodeJS.Signals) => void {
  if (pid === undefined || pid <= 0) return () => undefined;
  const started = processStat(pid)?.startTime;
  return (signal) => {
    const holder = processStat(pid);
    if (holder && holder.startTime !== started) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The whole group has ended.
    }
  };
}
