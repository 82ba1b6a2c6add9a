// What /proc/PID/stat says of a process this daemon watches but did not start (an approval's
// asker, a warm client's launcher, a client whose keys it reads): its state and start time, the
// pair that tells it apart from a later process the kernel gave the same pid, and whether its
// job is the one its terminal reads for.
import { readFileSync } from 'node:fs';

export interface ProcessStat {
  /** R, S, D, T (stopped), t (traced), ... Zombies and the dead are reported as absent. */
  state: string;
  startTime: string;
  /** Its process group, its controlling terminal's device (0 without one), and that terminal's foreground process group (-1 without one). */
  pgrp: number;
  terminal: number;
  foregroundGroup: number;
}

/** Fields counted after the command name, which may hold spaces and parentheses. */
export function processStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X' || fields[19] === undefined) return undefined;
  return { state: fields[0]!, startTime: fields[19], pgrp: Number(fields[2]), terminal: Number(fields[4]), foregroundGroup: Number(fields[5]) };
}
