// What `nono learn` hands back: the grants a traced run needed, what it looked for and did
// not find, its network use, and the same grants as a profile fragment the user can save.
import type { Access, PlanRule, Profile } from '@nono/shared';
import type { NetworkObservations } from './network-summary.js';
import { isLoopback } from './host-names.js';

/** A grant that already applies; a compiled plan's rules can be passed as they are. */
export type ExistingGrant = Pick<PlanRule, 'path' | 'access' | 'kind'>;

export interface LearnedPath {
  /** Canonical (symlinks resolved), like the grants nono compiles. */
  path: string;
  access: Access;
  kind: 'dir' | 'file';
  /** How many distinct traced paths this grant stands for (more than 1 once collapsed). */
  paths: number;
  /**
   * Only looked at (stat, access, readlink), never opened: listed, but left out of the profile
   * fragment, where it would grant the contents (of a whole tree, for a directory) for an
   * existence check.
   */
  statOnly: boolean;
  /** A system path, listed only when asked for all. */
  system: boolean;
  /**
   * Why it is listed but never proposed (a whole home directory, or a directory above it), or
   * null. Nothing is folded into it: the entries under it stay listed one by one.
   */
  withheld: string | null;
}

export interface LearnCounts {
  /** Distinct system paths used, counted instead of listed unless all was asked for. */
  system: number;
  /** Distinct paths the existing grants already cover. */
  covered: number;
  lines: number;
  events: number;
  processes: number;
}

export interface LearnResult {
  command: string[];
  cwd: string;
  exitCode: number | null;
  signal: string | null;
  /** True when the run was cut short (timeout, cancel): the lists hold what was seen until then. */
  partial: boolean;
  reason: string | null;
  paths: LearnedPath[];
  /** Paths the command looked for and never found, outside system paths and PATH lookups. */
  missing: string[];
  counts: LearnCounts;
  network: NetworkObservations;
}

/** Where to put each grant, by kind and access, in the profile's filesystem section. */
const KEYS = {
  dir: { read: 'read', write: 'write', readwrite: 'allow' },
  file: { read: 'read_file', write: 'write_file', readwrite: 'allow_file' },
} as const;

type FilesystemKey = (typeof KEYS)[keyof typeof KEYS][Access] | 'unix_socket';

function within(path: string, root: string): string | null {
  if (path === root) return '';
  return root !== '/' && path.startsWith(`${root}/`) ? path.slice(root.length + 1) : null;
}

/** A grant as both outputs show it: written as in a profile, and whether the profile gets it. */
export interface ReportedGrant extends Omit<LearnedPath, 'path'> {
  /** $WORKDIR/…, ~/… or absolute, as the profile writes it. */
  path: string;
  /** In the profile fragment; false for looked-at-only paths and withheld ones. */
  proposed: boolean;
}

/** Everything learn found, in the spellings the profile uses: what the text output prints. */
export interface LearnReport {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  partial: boolean;
  reason: string | null;
  grants: ReportedGrant[];
  missing: string[];
  counts: LearnCounts;
  network: NetworkObservations;
}

/**
 * `nono learn --json`: the profile fragment, and under `learned` the report both outputs are
 * printed from (profile init --from-learn ignores it), so the text says exactly what the
 * fragment grants.
 */
export type LearnOutput = Profile & { learned: LearnReport };

/**
 * The learned grants as a profile (validated by the profile schema), paths written as
 * $WORKDIR/… and ~/… so the profile works from another checkout or for another user. The
 * working directory itself becomes workdir.access.
 */
export function learnOutput(result: LearnResult, context: { home: string; workdir?: string }): LearnOutput {
  const portable = (path: string): string => {
    const inWorkdir = context.workdir ? within(path, context.workdir) : null;
    if (inWorkdir !== null) return inWorkdir === '' ? '$WORKDIR' : `$WORKDIR/${inWorkdir}`;
    const inHome = within(path, context.home);
    if (inHome !== null) return inHome === '' ? '~' : `~/${inHome}`;
    return path;
  };
  const filesystem: Partial<Record<FilesystemKey, string[]>> = {};
  const add = (key: FilesystemKey, path: string) => (filesystem[key] ??= []).push(path);
  const description = `Learned from: ${result.command.join(' ')}`;
  const profile: Profile = { meta: { description: description.length > 200 ? `${description.slice(0, 199)}…` : description } };
  const grants: ReportedGrant[] = [];
  for (const grant of result.paths) {
    const proposed = !grant.statOnly && grant.withheld === null;
    grants.push({ ...grant, path: portable(grant.path), proposed });
    if (!proposed) continue;
    if (grant.kind === 'dir' && context.workdir && grant.path === context.workdir) profile.workdir = { access: grant.access };
    else add(KEYS[grant.kind][grant.access], portable(grant.path));
  }
  for (const socket of result.network.unixSockets) add('unix_socket', portable(socket));
  if (Object.keys(filesystem).length > 0) profile.filesystem = filesystem;

  const loopbackNames = new Set(result.network.outbound.filter((c) => isLoopback(c.address) && c.host).map((c) => c.host));
  const named = result.network.outbound.filter((c) => c.host && (c.hostSource === 'hosts' || c.hostSource === 'dns')).map((c) => c.host!);
  const domains = [...new Set([...result.network.dnsNames, ...named])].filter((name) => name !== 'localhost' && !loopbackNames.has(name)).sort();
  if (domains.length > 0) profile.network = { allow_domain: domains };
  const { command, exitCode, signal, partial, reason, counts, network } = result;
  const learned = { command, exitCode, signal, partial, reason, grants, missing: result.missing.map(portable), counts, network };
  return { ...profile, learned };
}
