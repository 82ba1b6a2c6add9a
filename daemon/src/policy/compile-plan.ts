// Turns a run request (a profile, CLI flags, cwd, the caller's environment) and what the launch
// gathered before it (the session id, the trust gate's verdict) into the one sandbox plan:
// every Landlock rule with its rights, every mount of the view (its own /dev and /tmp too),
// the masks the helper applies, the network mode and host lists, and the child's environment.
// `--dry-run`, `nono inspect`, the audit digest and the helper's spec all read this object.
// The stages under plan/ run in order, each reading what the earlier ones decided: protect,
// grants, no-delete, sockets, commands (the launched command's grants are part of the view),
// view, environment, network, approvals, trust, packs (pre-run hooks, skills), nono's own, then masks and rights on the final rules.
// Threat: this is where a grant could expose nono's own secret or the user's credentials.
// With the private view (user namespaces available) a protected path inside a grant is
// masked; with Landlock alone, which cannot deny inside a granted tree, a grant the user asked
// for that covers one is refused, and one from a group is dropped with a note.
import type { Profile, SandboxPlan } from '@nono/shared';
import { withPathLookups } from '@nono/shared/resolve-path';
import type { TreeInventory } from './writable-tree-scan.js';
import { LANDLOCK_ONLY_GAPS, PLACEHOLDER_SESSION_ID, type LaunchInputs, type PolicyServices, type RunRequest } from './plan/plan-inputs.js';
import { newDraft } from './plan/plan-draft.js';
import { resolveContext } from './plan/plan-context.js';
import { protectStage } from './plan/protect-stage.js';
import { grantGpu, grantStage } from './plan/grant-stage.js';
import { noDeleteStage } from './plan/no-delete-stage.js';
import { socketStage } from './plan/socket-stage.js';
import { commandStage } from './plan/command-stage.js';
import { viewStage } from './plan/view-stage.js';
import { environmentStage } from './plan/environment-stage.js';
import { networkStage } from './plan/network-stage.js';
import { approvalStage } from './plan/approval-stage.js';
import { trustStage } from './plan/trust-stage.js';
import { packStage } from './plan/pack-stage.js';
import { ownStage } from './plan/own-stage.js';
import { appliedMasks } from './plan/mask-stage.js';
import { rightsFor } from './plan/landlock-rights.js';
import { deepFreeze } from './plan/deep-freeze.js';

export type { Isolation, LaunchInputs, PolicyServices, RunRequest } from './plan/plan-inputs.js';
export { LANDLOCK_ONLY_GAPS, PLACEHOLDER_SESSION_ID } from './plan/plan-inputs.js';

export interface CompiledPlan {
  plan: SandboxPlan;
  env: Readonly<Record<string, string>>;
  /**
   * The launch creates plan.privateTmp (view) or the private TMPDIR rule's directory
   * (Landlock alone): this one, or null when /tmp is shared.
   */
  privateTmpDir: string | null;
  /** Whether the session gets a private temporary directory instead of the shared /tmp. */
  privateTmp: boolean;
  /** The profile's `rollback` section: snapshot without --snapshot, and what to leave out. */
  rollback: { enabled: boolean; exclude: string[] };
  /**
   * The writable trees and what they held at start that the host runs later; the session's
   * end compares against it and moves aside what appeared (the view cannot stop a new name).
   */
  hostExec: { roots: string[]; inventory: TreeInventory; gitControl: string[]; lifted: string[] };
}

/**
 * `rollback: true` or `{ enabled: true }` snapshots every run. exclude_patterns are names
 * matched at any depth (upstream nono's meaning); exclude_globs are tree-relative globs.
 */
function rollbackRules(profile: Profile): CompiledPlan['rollback'] {
  const section = profile.rollback;
  if (section === undefined || typeof section === 'boolean') return { enabled: section === true, exclude: [] };
  return {
    enabled: section.enabled === true,
    exclude: [...(section.exclude_patterns ?? []).map((name) => `**/${name}`), ...(section.exclude_globs ?? [])],
  };
}

export function compilePlan(request: RunRequest, services: PolicyServices, launch: LaunchInputs = { sessionId: PLACEHOLDER_SESSION_ID, trust: undefined }): CompiledPlan {
  return withPathLookups(() => compileOnce(request, services, launch));
}

function compileOnce(request: RunRequest, services: PolicyServices, launch: LaunchInputs): CompiledPlan {
  const draft = newDraft();
  const ctx = resolveContext(request, services, draft);
  protectStage(ctx, draft);
  grantStage(ctx, draft);
  noDeleteStage(ctx, draft);
  grantGpu(ctx, draft);
  socketStage(ctx, draft);
  commandStage(ctx, draft);
  viewStage(ctx, draft);
  environmentStage(ctx, draft);
  networkStage(ctx, draft);
  approvalStage(ctx, draft);
  trustStage(ctx, draft, launch.trust);
  packStage(ctx, draft);
  ownStage(ctx, draft, launch.sessionId);

  const view = draft.view!;
  const environment = draft.environment!;
  const network = draft.network!;
  const own = draft.own!;
  const rules = [...view.rules, ...own.rules].map((rule) => ({ ...rule, rights: rule.rights ?? rightsFor(rule) }));
  const masks = appliedMasks(rules, view.masks);
  const plan: SandboxPlan = {
    profile: ctx.resolved.name,
    profileChain: ctx.resolved.chain.map((c) => c.name),
    groups: ctx.groups,
    workdir: ctx.workdir,
    hosts: network.hosts,
    interactive: ctx.profile.interactive === true,
    rules,
    denied: draft.effectiveProtect.map((p) => ({ path: p.path, source: p.source })),
    isolation: { mode: ctx.view ? 'view' : 'landlock', reason: ctx.view ? null : services.isolation.reason, missing: ctx.view ? [] : LANDLOCK_ONLY_GAPS },
    masks: masks.masks,
    leftOut: masks.leftOut,
    ownMounts: own.mounts,
    trust: draft.trust,
    blockedCommands: view.blockedCommands,
    commandRules: draft.commandRules,
    launch: draft.launch,
    preRun: draft.preRun,
    skills: draft.skills,
    readonly: view.readonly,
    pins: view.pins,
    limits: { memoryBytes: request.memoryBytes ?? null, maxProcesses: request.maxProcesses ?? null },
    privateTmp: own.privateTmp,
    symlinks: view.symlinks,
    network: network.mode,
    scopes: ['signal', 'abstract-unix'],
    cwd: ctx.cwd,
    env: {
      passed: environment.passed,
      dropped: environment.dropped,
      withheld: [...environment.withheld].sort(),
      credentialSources: network.credentialSources,
    },
    approvals: draft.approvals!,
    notes: draft.notes,
  };
  return {
    plan: deepFreeze(plan),
    env: Object.freeze({ ...environment.values, ...own.env }),
    privateTmp: draft.privateTmp,
    privateTmpDir: own.tmpDir,
    rollback: rollbackRules(ctx.profile),
    hostExec: view.hostExec,
  };
}
