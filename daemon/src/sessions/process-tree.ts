// CPU time and memory of a session's whole process tree, read from /proc: the helper, its
// init in the session's pid namespace, the command and every descendant.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux for /proc/<pid>/stat
const PAGE_SIZE = 4096;

export interface TreeUsage {
  processes: number;
  cpuMs: number;
  rssBytes: number;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function usageOf(pid: number): { cpuMs: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, rssBytes: Number(fields[21]) * PAGE_SIZE };
  } catch {
    return undefined;
  }
}

export function treeUsage(root: number): TreeUsage {
  const total: TreeUsage = { processes: 0, cpuMs: 0, rssBytes: 0 };
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const usage = usageOf(pid);
    if (!usage) continue;
    total.processes++;
    total.cpuMs += usage.cpuMs;
    total.rssBytes += usage.rssBytes;
    queue.push(...children(pid));
  }
  return total;
}

/**
 * Processes (and threads: the kernel counts both) of this user now. Without a user namespace
 * RLIMIT_NPROC counts all of them, so a session's cap is this plus its allowance; racy, and
 * documented as such.
 */
export function userProcessCount(uid = process.getuid?.() ?? 0): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const real = /^Uid:\s+(\d+)/m.exec(status);
      const threads = /^Threads:\s+(\d+)/m.exec(status);
      if (real && Number(real[1]) === uid) count += Number(threads?.[1] ?? 1);
    } catch {
      // Gone meanwhile.
    }
  }
  return count;
}
