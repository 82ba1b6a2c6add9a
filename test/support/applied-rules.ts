// What nono-helper really applied for a spec, read from its `--print-applied` mode (JSON lines,
// see native-helper/README.md), so a test can hold the daemon's dry-run plan against what the
// kernel was given. normaliseApplied turns the records into a form that compares with `toEqual`.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { helperPath } from '../../daemon/src/sandbox/helper-binary.js';

export type NetMode = 'allow' | 'block' | 'filtered' | 'proxied';

/** Why a mount is in the view; `grant` is a host path bound for an `fs` record. */
export type MountRole =
  | 'root'
  | 'dev'
  | 'dev-pts'
  | 'dev-shm'
  | 'proc'
  | 'grant'
  | 'skeleton'
  | 'tmp'
  | 'proxy-socket'
  | 'pin'
  | 'readonly'
  | 'stub'
  | 'mask';

/** One line of `--print-applied`, in the order the helper applied them. */
export type AppliedRecord =
  | { kind: 'command'; argv: string[] }
  | { kind: 'namespaces'; user: boolean; mount: boolean; pid: boolean; net: boolean }
  | { kind: 'loopback-up' }
  | { kind: 'mount'; path: string; type: 'bind' | 'tmpfs' | 'proc' | 'devpts'; role: MountRole; source?: string; read_only: boolean }
  | { kind: 'read-only'; path: string; recursive: boolean }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'view-root' }
  | { kind: 'skipped'; record: 'fs' | 'readonly' | 'stub' | 'mask' | 'symlink'; path: string; error: string }
  | { kind: 'dropped'; what: string; needs_abi: number; abi: number }
  | { kind: 'landlock-fs'; path: string; rights: string[] }
  | { kind: 'landlock-port'; access: 'bind' | 'connect'; port: number }
  | { kind: 'landlock'; abi: number; kernel_abi: number; handled_fs: string[]; handled_net: string[]; scoped: string[] }
  | { kind: 'landlock-nested' }
  | { kind: 'no-new-privs' }
  | { kind: 'capabilities-dropped' }
  | { kind: 'cwd'; path: string }
  | { kind: 'seccomp'; net: NetMode }
  | { kind: 'relay-listen'; address: string; port: number; forward: boolean }
  | { kind: 'relay-started' }
  | { kind: 'fds-closed' }
  | { kind: 'rlimit'; resource: 'as' | 'nproc'; value: number }
  | { kind: 'end' };

type RecordOf<K extends AppliedRecord['kind']> = Extract<AppliedRecord, { kind: K }>;

/** A mount in the view as it ended up: read_only folds in a later mount_setattr. */
export interface AppliedMount {
  path: string;
  type: RecordOf<'mount'>['type'];
  role: MountRole;
  source?: string;
  readOnly: boolean;
}

export interface AppliedLandlock {
  abi: number;
  kernelAbi: number;
  handledFs: string[];
  handledNet: string[];
  scoped: string[];
  /** The command's own nested domain (views only). */
  nested: boolean;
}

export interface Applied {
  /** Every record but the last (`end`), in order. */
  records: AppliedRecord[];
  /** The command the helper would have run, and did not. */
  command: string[];
  view: boolean;
  /** Null when Landlock was not applied at all (best-effort on a kernel without it). */
  landlock: AppliedLandlock | null;
  /** Landlock path rules as added, rights in the kernel's bit order. */
  landlockRules: { path: string; rights: string[] }[];
  ports: { access: 'bind' | 'connect'; port: number }[];
  /** Mounts in the order they were made (view only). */
  mounts: AppliedMount[];
  symlinks: { path: string; target: string }[];
  skipped: RecordOf<'skipped'>[];
  dropped: RecordOf<'dropped'>[];
  /** The net mode the seccomp filter was built for, null if none was installed. */
  seccomp: NetMode | null;
  rlimits: { as?: number; nproc?: number };
  cwd?: string;
  /** The helper's stderr (best-effort lines). */
  stderr: string;
}

/** The helper refused the spec or failed to set it up (exit 125 and one line, normally). */
export class HelperRefused extends Error {
  constructor(
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`nono-helper --print-applied exited ${code}: ${stderr.trim()}`);
  }
}

function records(stdout: string): AppliedRecord[] {
  const lines = stdout.split('\n');
  if (lines.pop() !== '') throw new Error('nono-helper --print-applied: output does not end with a newline');
  const parsed = lines.map((line) => JSON.parse(line) as AppliedRecord);
  if (parsed[0]?.kind !== 'command' || parsed.at(-1)?.kind !== 'end')
    throw new Error(`nono-helper --print-applied: output is not command ... end:\n${stdout}`);
  return parsed.slice(0, -1);
}

function mountAt(mounts: AppliedMount[], path: string): AppliedMount {
  // The latest mount at a path is the one on top, the one mount_setattr reached.
  const mount = mounts.findLast((m) => m.path === path);
  if (!mount) throw new Error(`nono-helper --print-applied: read-only ${path} without a mount there`);
  return mount;
}

export function parseApplied(stdout: string, stderr = ''): Applied {
  const applied: Applied = {
    records: records(stdout),
    command: [],
    view: false,
    landlock: null,
    landlockRules: [],
    ports: [],
    mounts: [],
    symlinks: [],
    skipped: [],
    dropped: [],
    seccomp: null,
    rlimits: {},
    stderr,
  };
  for (const r of applied.records) {
    switch (r.kind) {
      case 'command':
        applied.command = r.argv;
        break;
      case 'namespaces':
        applied.view = true;
        break;
      case 'mount':
        applied.mounts.push({ path: r.path, type: r.type, role: r.role, ...(r.source === undefined ? {} : { source: r.source }), readOnly: r.read_only });
        break;
      case 'read-only':
        mountAt(applied.mounts, r.path).readOnly = true;
        break;
      case 'symlink':
        applied.symlinks.push({ path: r.path, target: r.target });
        break;
      case 'skipped':
        applied.skipped.push(r);
        break;
      case 'dropped':
        applied.dropped.push(r);
        break;
      case 'landlock-fs':
        applied.landlockRules.push({ path: r.path, rights: r.rights });
        break;
      case 'landlock-port':
        applied.ports.push({ access: r.access, port: r.port });
        break;
      case 'landlock':
        applied.landlock = { abi: r.abi, kernelAbi: r.kernel_abi, handledFs: r.handled_fs, handledNet: r.handled_net, scoped: r.scoped, nested: false };
        break;
      case 'landlock-nested':
        if (applied.landlock) applied.landlock.nested = true;
        break;
      case 'seccomp':
        applied.seccomp = r.net;
        break;
      case 'rlimit':
        applied.rlimits[r.resource] = r.value;
        break;
      case 'cwd':
        applied.cwd = r.path;
        break;
      default:
        break;
    }
  }
  return applied;
}

/**
 * Runs the built helper on spec (handed over on fd 3, as the daemon's pipe sessions do) with
 * `--print-applied` and command (by default `/bin/true`) as the command it will not run.
 * helperFlags go first (e.g. `--no-userns`). A refusal rejects with HelperRefused.
 */
export function appliedBySpec(spec: Buffer, helperFlags: string[] = [], command: string[] = ['/bin/true']): Promise<Applied> {
  // A spec that asks for file approvals needs the daemon's channel, as the launch gives it: an
  // fd 4 nobody answers on (the command never runs, so nothing is asked).
  const approvals = spec.includes(Buffer.from('\0approvals-file 1\0'));
  const child = spawn(helperPath(), [...helperFlags, '--print-applied', '--spec-fd', '3', ...(approvals ? ['--approvals-fd', '4'] : []), '--', ...command], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', ...(approvals ? (['pipe'] as const) : [])],
  });
  const specPipe = child.stdio[3] as Writable;
  specPipe.on('error', () => undefined); // the helper may refuse before reading it all
  specPipe.end(spec);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => stdout.push(d));
  child.stderr!.on('data', (d: Buffer) => stderr.push(d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      if (code !== 0) {
        reject(new HelperRefused(code, err, out));
        return;
      }
      try {
        resolve(parseApplied(out, err));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** What a plan can be compared with: order-free, each list sorted, rules merged by path. */
export interface ComparableApplied {
  view: boolean;
  network: NetMode | null;
  /** Landlock grants the union of the rules on one path; rights sorted by name. */
  landlock: { path: string; rights: string[] }[];
  ports: string[];
  scopes: string[];
  /** Per path, the mount on top, sorted by path. */
  mounts: AppliedMount[];
  symlinks: { path: string; target: string }[];
  rlimits: { as?: number; nproc?: number };
}

const byPath = <T extends { path: string }>(a: T, b: T): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export function normaliseApplied(applied: Applied): ComparableApplied {
  const rights = new Map<string, Set<string>>();
  for (const rule of applied.landlockRules) {
    const set = rights.get(rule.path) ?? new Set<string>();
    for (const right of rule.rights) set.add(right);
    rights.set(rule.path, set);
  }
  const top = new Map<string, AppliedMount>();
  for (const mount of applied.mounts) top.set(mount.path, mount);
  return {
    view: applied.view,
    network: applied.seccomp,
    landlock: [...rights].map(([path, set]) => ({ path, rights: [...set].sort() })).sort(byPath),
    ports: applied.ports.map((p) => `${p.access} ${p.port}`).sort(),
    scopes: [...(applied.landlock?.scoped ?? [])].sort(),
    mounts: [...top.values()].sort(byPath),
    symlinks: [...applied.symlinks].sort(byPath),
    rlimits: applied.rlimits,
  };
}
