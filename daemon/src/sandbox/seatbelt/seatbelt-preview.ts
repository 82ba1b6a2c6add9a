// `nono policy show --platform macos [--sbpl]`: the plan, and the Seatbelt profile, a Mac would
// get, on any machine. Off a Mac the macOS groups' paths (/System, ~/Library/...) are not on
// this disk, and compile-plan skips a group's missing paths, so their grants are rebuilt here
// from the group definitions: unchecked against a real Mac, and said so in the plan's notes.
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Access, Group, PlanRule, Profile, SandboxPlan } from '@nono/shared';
import { compilePlan, type PolicyServices, type RunRequest } from '../../policy/compile-plan.js';
import { currentPlatform } from '../../policy/group-catalog.js';
import { expandPath, type PolicyContext } from '../../policy/policy-variables.js';
import { isWithin } from '@nono/shared/resolve-path';
import { seatbeltProfile } from './seatbelt-profile.js';

const GROUP_GRANTS: { key: keyof Group & ('allow' | 'read' | 'write' | 'allow_file' | 'read_file' | 'write_file'); access: Access; file: boolean }[] = [
  { key: 'allow', access: 'readwrite', file: false },
  { key: 'read', access: 'read', file: false },
  { key: 'write', access: 'write', file: false },
  { key: 'allow_file', access: 'readwrite', file: true },
  { key: 'read_file', access: 'read', file: true },
  { key: 'write_file', access: 'write', file: true },
];

// Symlinks into /private on macOS; Seatbelt matches the resolved path, as compile-plan gives it there.
const PRIVATE_LINKS = ['/tmp', '/var', '/etc'];

function onMacos(path: string): string {
  return PRIVATE_LINKS.some((link) => isWithin(path, link)) ? `/private${path}` : path;
}

/** Rules this machine's compile made from the groups or from its own GPU devices. */
function madeHere(r: PlanRule): boolean {
  return r.source.split(', ').every((source) => source.startsWith('group ') || source.endsWith(': allow_gpu'));
}

function addRule(rules: Map<string, PlanRule>, next: PlanRule): void {
  const existing = rules.get(next.path);
  if (!existing) rules.set(next.path, next);
  else if (existing.access !== next.access) rules.set(next.path, { ...existing, access: 'readwrite', source: `${existing.source}, ${next.source}` });
}

function groupRules(plan: SandboxPlan, ctx: PolicyContext, services: PolicyServices, notes: string[]): PlanRule[] {
  const rules: PlanRule[] = [];
  for (const name of plan.groups) {
    const group = services.groups.get(name);
    for (const spec of GROUP_GRANTS) {
      for (const raw of group[spec.key] ?? []) {
        // compile-plan has refused unknown variables already.
        const expanded = expandPath(raw, ctx);
        if (typeof expanded !== 'string') continue;
        const path = onMacos(resolve(plan.workdir, expanded));
        const hit = plan.denied.find((d) => isWithin(path, onMacos(d.path)));
        if (hit) {
          notes.push(`group ${name}: ${spec.key} ${raw} skipped: ${path} is protected (${hit.source})`);
          continue;
        }
        const kind = !spec.file ? 'dir' : path.startsWith('/dev/') ? 'device' : 'file';
        rules.push({ path, access: spec.access, kind, source: `group ${name}` });
      }
    }
  }
  return rules;
}

function fromDefinitions(plan: SandboxPlan, request: RunRequest, services: PolicyServices): SandboxPlan {
  const home = request.env.HOME?.startsWith('/') ? request.env.HOME : services.daemonHome;
  const ctx: PolicyContext = {
    home,
    workdir: plan.workdir,
    tmpdir: request.env.TMPDIR?.startsWith('/') ? request.env.TMPDIR : tmpdir(),
    uid: process.getuid?.() ?? 0,
    env: request.env,
  };
  const notes = [
    `preview made on ${currentPlatform()}: the macOS groups' grants come from their definitions, unchecked against a Mac's disk; blocked commands are found on the Mac when a session starts, so none are listed`,
  ];
  const rules = new Map<string, PlanRule>();
  for (const r of plan.rules.filter((r) => !madeHere(r))) addRule(rules, { ...r, path: onMacos(r.path) });
  for (const r of groupRules(plan, ctx, services, notes)) addRule(rules, r);
  return {
    ...plan,
    rules: [...rules.values()].sort((a, b) => a.path.localeCompare(b.path)),
    denied: plan.denied.map((d) => ({ ...d, path: onMacos(d.path) })),
    masks: [],
    readonly: plan.readonly.map((r) => ({ ...r, path: onMacos(r.path) })),
    symlinks: [],
    blockedCommands: [],
    notes: [...plan.notes, ...notes],
  };
}

/** Compiled with macOS's groups, and grants checked as Seatbelt needs: a deny inside a grant is fine. */
export function planForMacos(request: RunRequest, services: PolicyServices): SandboxPlan {
  const { plan } = compilePlan({ ...request, platform: 'macos' }, { ...services, isolation: { view: true, reason: null } });
  return currentPlatform() === 'macos' ? plan : fromDefinitions(plan, request, services);
}

/** The profile for review: the profile's opt-ins applied, the per-session values left out. */
export function previewProfile(plan: SandboxPlan, profile: Profile): string {
  return seatbeltProfile(plan, { preview: true, allowGpu: profile.allow_gpu === true, allowLaunchServices: profile.allow_launch_services === true });
}
