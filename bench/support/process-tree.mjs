// A daemon's process tree read from /proc, so a scale run can show that stopping every
// session leaves none of what they started (helper, command, relay) behind. A process is
// named by pid and start time, so a pid reused after the stop never passes for a survivor.
import { readdirSync, readFileSync } from 'node:fs';

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), start: fields[19], comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')) };
  } catch {
    return undefined;
  }
}

/**
 * Every live descendant of `root` as `{ pid, start, comm }` (zombies excluded), but for nonod's
 * warm clients: the daemon's own, kept ready for the next command whatever the sessions do.
 */
export function descendants(root) {
  const children = new Map();
  const info = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s || s.state === 'Z' || s.state === 'X') continue;
    info.set(Number(name), s);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const found = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (isWarmClient(pid)) continue;
    found.push({ pid, start: info.get(pid).start, comm: info.get(pid).comm });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Which of `processes` (from descendants) are still alive. */
export function survivors(processes) {
  return processes.filter(({ pid, start }) => {
    const s = stat(pid);
    return s !== undefined && s.state !== 'Z' && s.state !== 'X' && s.start === start;
  });
}

function isWarmClient(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.endsWith('/warm-client.cjs'));
  } catch {
    return false;
  }
}
