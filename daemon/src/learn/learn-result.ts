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

/**
 * The learned grants as a profile (validated by the profile schema), paths written as
 * $WORKDIR/… and ~/… so the profile works from another checkout or for another user. The
 * working directory itself becomes workdir.access.
 */
export function toProfileFragment(result: LearnResult, context: { home: string; workdir?: string }): Profile {
  const portable = (path: string): string => {
    const inWorkdir = context.workdir ? within(path, context.workdir) : null;
    if (inWorkdir !== null) return `$WORKDIR/${inWorkdir}`;
    const inHome = within(path, context.home);
    if (inHome !== null) return inHome === '' ? '~' : `~/${inHome}`;
    return path;
  };
  const filesystem: Partial<Record<FilesystemKey, string[]>> = {};
  const add = (key: FilesystemKey, path: string) => (filesystem[key] ??= []).push(path);
  const description = `Learned from: ${result.command.join(' ')}`;
  const profile: Profile = { meta: { description: description.length > 200 ? `${description.slice(0, 199)}…` : description } };
  for (const grant of result.paths) {
    if (grant.statOnly) continue;
    if (grant.kind === 'dir' && context.workdir && grant.path === context.workdir) profile.workdir = { access: grant.access };
    else add(KEYS[grant.kind][grant.access], portable(grant.path));
  }
  for (const socket of result.network.unixSockets) add('unix_socket', portable(socket));
  if (Object.keys(filesystem).length > 0) profile.filesystem = filesystem;

  const loopbackNames = new Set(result.network.outbound.filter((c) => isLoopback(c.address) && c.host).map((c) => c.host));
  const named = result.network.outbound.filter((c) => c.host && (c.hostSource === 'hosts' || c.hostSource === 'dns')).map((c) => c.host!);
  const domains = [...new Set([...result.network.dnsNames, ...named])].filter((name) => name !== 'localhost' && !loopbackNames.has(name)).sort();
  if (domains.length > 0) profile.network = { allow_domain: domains };
  return profile;
}
