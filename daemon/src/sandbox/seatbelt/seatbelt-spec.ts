// The macOS helper's spec: the Linux spec's framing (NUL-terminated records, `nono-spec 1`
// first, `end` last) around the Seatbelt profile, the cwd and the rlimits. See the macOS
// section of native-helper/README.md.
// Threat: the profile is the whole sandbox, so it travels like the Linux spec (inherited fd or
// one-time 0600 file), never in argv or the environment; a NUL in it would cut it short, and
// is refused rather than sent.
import type { SandboxPlan } from '@nono/shared';

export interface SeatbeltSpecOptions {
  /** Processes of the user besides the session's: RLIMIT_NPROC counts them all on macOS. */
  processesBesides: number;
}

export function encodeSeatbeltSpec(sbpl: string, plan: SandboxPlan, options: SeatbeltSpecOptions): Buffer {
  if (sbpl.includes('\0')) throw new Error('a Seatbelt profile cannot hold a NUL byte');
  const records = ['nono-spec 1', `cwd ${plan.cwd}`];
  if (plan.limits.memoryBytes !== null) records.push(`rlimit-as ${plan.limits.memoryBytes}`);
  if (plan.limits.maxProcesses !== null) records.push(`rlimit-nproc ${plan.limits.maxProcesses + options.processesBesides}`);
  records.push(`sbpl ${sbpl}`, 'end');
  return Buffer.from(records.map((r) => `${r}\0`).join(''), 'utf8');
}
