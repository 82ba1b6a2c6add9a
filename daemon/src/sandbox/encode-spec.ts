// Serialises a plan into the helper's spec: NUL-terminated records, first `nono-spec 1`, last
// `end`, so a truncated spec is refused rather than applied. See native-helper/README.md.
import { nameToBytes, type PlanRule, type SandboxPlan } from '@nono/shared';
import { isWithin } from '@nono/shared/resolve-path';
import { stubMessage } from '../policy/command-blocking.js';
import type { LoopbackForward } from '../network/host-rules.js';

const READ = ['read_file', 'read_dir', 'execute'];
// make_char and make_block are never granted: a root agent could mknod the disk's block
// device inside a writable grant and read the raw filesystem around every rule.
const WRITE = [
  'write_file',
  'remove_dir',
  'remove_file',
  'make_dir',
  'make_reg',
  'make_sock',
  'make_fifo',
  'make_sym',
  'refer',
  'truncate',
];

// What a write-without-delete grant withholds: removing entries and cutting files short.
const DELETE = ['remove_dir', 'remove_file', 'truncate'];

export function rightsFor(rule: PlanRule): string[] {
  const rights: string[] = [];
  if (rule.access === 'read' || rule.access === 'readwrite') rights.push(...READ);
  if (rule.access === 'write' || rule.access === 'readwrite') rights.push(...WRITE.filter((right) => !rule.noDelete || !DELETE.includes(right)));
  if (rule.kind === 'device') rights.push('ioctl_dev');
  return rights;
}

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
  records.push(`cwd ${plan.cwd}`);
  for (const rule of plan.rules) records.push(`${rule.kind === 'skeleton' ? 'skeleton' : 'fs'} ${rightsFor(rule).join(',')} ${rule.path}`);
  for (const link of plan.symlinks) records.push(`symlink ${link.path}`, `symlink-target ${link.target}`);
  for (const pin of plan.pins) records.push(`pin ${pin.path}`);
  for (const entry of plan.readonly) records.push(`readonly ${entry.path}`);
  for (const command of plan.blockedCommands) records.push(`stub ${command.path}`, `stub-message ${stubMessage(command)}`);
  // Masks inside rebuilt (skeleton) directories are already left out of the view.
  const bound = plan.rules.filter((r) => r.kind === 'dir');
  const rebuilt = plan.rules.filter((r) => r.kind === 'skeleton');
  for (const mask of plan.masks) {
    const inBound = bound.some((r) => r.path !== mask.path && isWithin(mask.path, r.path));
    if (inBound && !rebuilt.some((r) => isWithin(mask.path, r.path))) records.push(`mask ${mask.path}`);
  }
  if (plan.privateTmp) records.push(`tmp ${plan.privateTmp}`);
  if (plan.limits.memoryBytes !== null) records.push(`rlimit-as ${plan.limits.memoryBytes}`);
  if (plan.limits.maxProcesses !== null) records.push(`rlimit-nproc ${plan.limits.maxProcesses + (options.processesBesides ?? 0)}`);
  records.push('end');
  // Paths are bytes (path-names.ts carries the ones that are not UTF-8): written back as such.
  return Buffer.concat(records.flatMap((r) => [nameToBytes(r), NUL]));
}
