// Serialises a plan into the helper's spec: NUL-terminated records, first `nono-spec 1`, last
// `end`, so a truncated spec is refused rather than applied. See native-helper/README.md.
// Nothing is decided here: rules, rights and masks are written as the plan lists them. The
// sandbox's own rules and mounts (plan rules marked own, plan.ownMounts) are what the helper
// makes itself from `view 1` and `tmp`, so they are carried by those two records.
import { nameToBytes, type SandboxPlan } from '@nono/shared';
import { stubMessage } from '../policy/command-blocking.js';
import type { LoopbackForward } from '../network/host-rules.js';

export interface SpecOptions {
  bestEffort?: boolean;
  /**
   * What RLIMIT_NPROC counts besides the session's own processes: in the view only its init
   * (the count is per user namespace); on Landlock alone every process of the user.
   */
  processesBesides?: number;
  /** Test switch: make the helper act as on an older kernel. It can only refuse more. */
  abiCap?: number | undefined;
  /**
   * In proxied mode, the session's proxy: its port as the sandbox sees it, and in the view its
   * unix socket, the relay's credentials and the host loopback ports it forwards.
   */
  proxy?: { port: number; socketPath: string | undefined; auth?: string; forwards?: LoopbackForward[] };
}

const NUL = Buffer.from([0]);

export function encodeSpec(plan: SandboxPlan, options: SpecOptions = {}): Buffer {
  const records = ['nono-spec 1', `best-effort ${options.bestEffort ? 1 : 0}`];
  if (options.abiCap !== undefined) records.push(`abi-cap ${options.abiCap}`);
  if (plan.network === 'proxied') {
    if (!options.proxy) throw new Error('a proxied plan needs its proxy');
    // In the view: a network namespace with only a relay to the proxy's socket. On Landlock
    // alone: Landlock's TCP port rule, which cannot tell addresses apart.
    const { socketPath, port, auth, forwards = [] } = options.proxy;
    if (socketPath) {
      records.push('net proxied', `proxy-socket ${socketPath}`, `proxy-port ${port}`);
      if (forwards.length > 0 && auth) records.push(`proxy-auth ${auth}`, ...forwards.map((f) => `forward ${f.address} ${f.port}`));
    } else records.push('net filtered', `net-connect ${options.proxy.port}`);
  } else {
    records.push(`net ${plan.network}`);
  }
  for (const scope of plan.scopes) records.push(`scope ${scope}`);
  if (plan.isolation.mode === 'view') records.push('view 1');
  if (plan.approvals?.files) records.push('approvals-file 1');
  records.push(`cwd ${plan.cwd}`);
  for (const rule of plan.rules) {
    if (rule.own) continue;
    if (!rule.rights) throw new Error(`plan rule ${rule.path} has no rights: only a compiled plan can be encoded`);
    records.push(`${rule.kind === 'skeleton' ? 'skeleton' : 'fs'} ${rule.rights.join(',')} ${rule.path}`);
  }
  for (const link of plan.symlinks) records.push(`symlink ${link.path}`, `symlink-target ${link.target}`);
  for (const pin of plan.pins) records.push(`pin ${pin.path}`);
  for (const entry of plan.readonly) records.push(`readonly ${entry.path}`);
  for (const command of plan.blockedCommands) records.push(`stub ${command.path}`, `stub-message ${stubMessage(command)}`);
  for (const mask of plan.masks) records.push(`mask ${mask.path}`);
  if (plan.privateTmp) records.push(`tmp ${plan.privateTmp}`);
  if (plan.limits.memoryBytes !== null) records.push(`rlimit-as ${plan.limits.memoryBytes}`);
  if (plan.limits.maxProcesses !== null) records.push(`rlimit-nproc ${plan.limits.maxProcesses + (options.processesBesides ?? 0)}`);
  records.push('end');
  // Paths are bytes (path-names.ts carries the ones that are not UTF-8): written back as such.
  return Buffer.concat(records.flatMap((r) => [nameToBytes(r), NUL]));
}
