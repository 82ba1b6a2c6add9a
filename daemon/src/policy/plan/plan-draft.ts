// The plan while its stages build it: the resolved inputs every stage reads (profile, paths,
// view or not) and the working state each stage adds to. Only compile-plan.ts turns a draft
// into the sealed SandboxPlan; nothing outside the stages sees one.
import { existsSync } from 'node:fs';
import type { Access, PlanRule, Profile, SandboxPlan } from '@nono/shared';
import { NonoError } from '@nono/shared';
import type { Platform } from '../group-catalog.js';
import type { PolicyContext } from '../policy-variables.js';
import type { ResolvedProfile } from '../profile-loader.js';
import type { CommandRules } from '../command-blocking.js';
import type { ReadonlyEntry, Covered } from '../view-plan.js';
import type { TreeInventory } from '../writable-tree-scan.js';
import { isWithin } from '@nono/shared/resolve-path';
import type { PolicyServices, RunRequest } from './plan-inputs.js';

export interface ProtectedPath {
  path: string;
  source: string;
  /** nono's own files: no override lifts these. */
  own: boolean;
}

/** Everything a stage may read: decided before the first stage runs, never changed by one. */
export interface PlanContext {
  request: RunRequest;
  services: PolicyServices;
  home: string;
  cwd: string;
  workdir: string;
  resolved: ResolvedProfile;
  profile: Profile;
  /** The profile file named in errors. */
  where: string;
  vars: PolicyContext;
  view: boolean;
  platform: Platform | undefined;
  groups: string[];
  /** A profile path, variables expanded and made canonical; recorded for the view's symlinks. */
  expand(raw: string, key: string): string;
}

export interface Draft {
  notes: string[];
  /** Grant paths as written, for the symlinks the view must recreate along them. */
  lexicalGrants: string[];
  protect: ProtectedPath[];
  effectiveProtect: ProtectedPath[];
  overrides: { path: string; by: string }[];
  rules: Map<string, PlanRule>;
  /** A private temporary directory replaces the shared /tmp. */
  privateTmp: boolean;
  noDelete: Map<string, string>;
  grantedSockets: string[];
  commandRules: CommandRules;
  launch: SandboxPlan['launch'];
  /** Set by the pack stage: the packs' pre-run hooks, in chain order. */
  preRun: NonNullable<SandboxPlan['preRun']>;
  /** Set by the pack stage: the packs' skills and where they are placed. */
  skills: NonNullable<SandboxPlan['skills']>;
  /** Set by the view stage. */
  view: {
    rules: PlanRule[];
    masks: Covered[];
    readonly: ReadonlyEntry[];
    pins: Covered[];
    symlinks: SandboxPlan['symlinks'];
    blockedCommands: SandboxPlan['blockedCommands'];
    hostExec: { roots: string[]; inventory: TreeInventory; gitControl: string[]; lifted: string[] };
  } | undefined;
  /** Set by the environment stage: the child's variables and what happened to the rest. */
  environment: { values: Record<string, string>; passed: string[]; dropped: string[]; withheld: Set<string> } | undefined;
  /** Set by the approval stage. */
  approvals: { network: boolean; files: boolean } | undefined;
  /** Set by the network stage. */
  network: { mode: SandboxPlan['network']; hosts: SandboxPlan['hosts']; credentialSources: SandboxPlan['env']['credentialSources'] } | undefined;
  /** Set by the trust stage: signed files made read-only besides the host-exec ones. */
  trust: SandboxPlan['trust'];
  /** Set by the own stage: what nono itself adds (its files, the sandbox's own /dev and /tmp). */
  own: { rules: PlanRule[]; mounts: NonNullable<SandboxPlan['ownMounts']>; privateTmp: string | null; tmpDir: string | null; env: Record<string, string> } | undefined;
}

export function newDraft(): Draft {
  return {
    notes: [],
    lexicalGrants: [],
    protect: [],
    effectiveProtect: [],
    overrides: [],
    rules: new Map(),
    privateTmp: false,
    noDelete: new Map(),
    grantedSockets: [],
    commandRules: { everywhere: [], launch: [], allow: [] },
    launch: null,
    preRun: [],
    skills: [],
    view: undefined,
    environment: undefined,
    network: undefined,
    approvals: undefined,
    trust: null,
    own: undefined,
  };
}

/** One rule per path: two asks for different access make it readwrite, naming both. */
export function addRule(draft: Draft, path: string, access: Access, kind: PlanRule['kind'], source: string): void {
  const existing = draft.rules.get(path);
  if (!existing) {
    draft.rules.set(path, { path, access, kind, source });
  } else if (existing.access !== access) {
    existing.access = 'readwrite';
    existing.source = `${existing.source}, ${source}`;
  }
}

/** The rules once the view stage has run (it rebuilds them around masks), else as granted. */
export function currentRules(draft: Draft): PlanRule[] {
  return draft.view?.rules ?? [...draft.rules.values()];
}

/**
 * The protected paths a grant of path runs into. In the view a protected path inside a grant
 * is masked, so only a grant of the protected path itself, or of something inside it, counts.
 */
export function conflictsOf(path: string, protect: ProtectedPath[], view: boolean): ProtectedPath[] {
  return protect.filter((p) => isWithin(path, p.path) || (!view && isWithin(p.path, path)));
}

/** What is wrong with granting path, if anything, as one clause. */
export function describeConflict(path: string, hit: ProtectedPath): string {
  const relation = hit.path === path ? 'is protected' : isWithin(hit.path, path) ? `contains ${hit.path}` : `is inside ${hit.path}`;
  return `${path} ${relation} (${hit.source})`;
}

export function refuseProtected(path: string, flag: string, raw: string, hits: ProtectedPath[]): void {
  if (hits.length === 0) return;
  // Name what is really there first: a home holds a few of the ~100 protected paths.
  const ranked = [...hits.filter((h) => existsSync(h.path)), ...hits.filter((h) => !existsSync(h.path))];
  const shown = ranked.slice(0, 3).map((hit, i) => (i === 0 ? describeConflict(path, hit) : `${hit.path} (${hit.source})`));
  const more = ranked.length > 3 ? ` and ${ranked.length - 3} more protected paths` : '';
  const own = ranked.some((h) => h.own);
  const covers = ranked.some((h) => h.path !== path && isWithin(h.path, path));
  const advice = covers
    ? 'Landlock alone cannot deny a path inside a grant, so grant a narrower directory'
    : own
      ? "nono's own files are never granted"
      : 'grant something else';
  throw new NonoError(
    'PATH_DENIED',
    `${flag} ${raw}: ${shown.join(', ')}${more}; ${advice}${own ? '' : ' (or --bypass-protection the protected path)'}`,
    { path, flag, protected: ranked[0]!.path, rule: ranked[0]!.source },
  );
}
