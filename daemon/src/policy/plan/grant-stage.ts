// Stage 2, grants: the active groups' paths, the profile's own, the agent's state paths and
// the command line's, each with how strictly a missing or protected path is treated (a group
// is a convenience, a profile travels between machines, a flag was just typed).
import type { Access, Grants, Profile } from '@nono/shared';
import { NonoError } from '@nono/shared';
import { canonicalOrLexical, kindOf, statIfVisible, toAbsolute } from '@nono/shared/resolve-path';
import { gpuPaths } from '../gpu-paths.js';
import { addRule, conflictsOf, describeConflict, refuseProtected, type Draft, type PlanContext } from './plan-draft.js';

type GrantKey = keyof Grants;
const GRANT_KEYS: { key: GrantKey; profileKey: keyof NonNullable<Profile['filesystem']>; flag: string; access: Access; file: boolean }[] = [
  { key: 'allow', profileKey: 'allow', flag: '--allow', access: 'readwrite', file: false },
  { key: 'read', profileKey: 'read', flag: '--read', access: 'read', file: false },
  { key: 'write', profileKey: 'write', flag: '--write', access: 'write', file: false },
  { key: 'allowFile', profileKey: 'allow_file', flag: '--allow-file', access: 'readwrite', file: true },
  { key: 'readFile', profileKey: 'read_file', flag: '--read-file', access: 'read', file: true },
  { key: 'writeFile', profileKey: 'write_file', flag: '--write-file', access: 'write', file: true },
];

export function grantStage(ctx: PlanContext, draft: Draft): void {
  grantGroups(ctx, draft);
  grantProfile(ctx, draft);
  grantStatePaths(ctx, draft);
  grantFlags(ctx, draft);
}

/**
 * Groups: optional conveniences, so missing paths are skipped and a grant that would expose a
 * protected path is dropped with a note.
 */
function grantGroups(ctx: PlanContext, draft: Draft): void {
  const { view } = ctx;
  for (const name of ctx.groups) {
    const group = ctx.services.groups.get(name);
    for (const spec of GRANT_KEYS) {
      for (const raw of group[spec.profileKey as keyof typeof group] as string[] | undefined ?? []) {
        const path = ctx.expand(raw, `groups.${name}.${spec.profileKey}`);
        const stats = statIfVisible(path);
        if (!stats) continue;
        // The host's /tmp is shared with every process of the machine (tmux and ssh-agent
        // sockets, other tools' files): in the view the sandbox gets its own, mounted at /tmp.
        if (view && path === '/tmp') {
          draft.privateTmp = true;
          continue;
        }
        const hit = conflictsOf(path, draft.effectiveProtect, view)[0];
        if (hit) {
          const tmpHoldsOurs = path === '/tmp' && hit.own;
          if (tmpHoldsOurs) draft.privateTmp = true;
          draft.notes.push(
            tmpHoldsOurs
              ? `/tmp is not granted: it holds ${hit.path} (${hit.source}). The sandbox gets a private TMPDIR instead; point XDG_RUNTIME_DIR outside /tmp to give it /tmp.`
              : `group ${name}: ${spec.profileKey} ${raw} skipped: ${describeConflict(path, hit)}`,
          );
          continue;
        }
        addRule(draft, path, spec.access, kindOf(stats), `group ${name}`);
      }
    }
  }
}

/** The profile's own paths: the user wrote them, so a protected one is an error; a missing one is skipped with a note. */
function grantProfile(ctx: PlanContext, draft: Draft): void {
  const name = ctx.resolved.name;
  for (const spec of GRANT_KEYS) {
    for (const raw of ctx.profile.filesystem?.[spec.profileKey] ?? []) {
      const path = ctx.expand(raw, `filesystem.${spec.profileKey}`);
      const stats = statIfVisible(path);
      if (!stats) {
        draft.notes.push(`profile ${name}: filesystem.${spec.profileKey} ${raw}: ${path} does not exist; skipped`);
        continue;
      }
      refuseProtected(path, `profile ${name}: filesystem.${spec.profileKey}`, raw, conflictsOf(path, draft.effectiveProtect, ctx.view));
      addRule(draft, path, spec.access, kindOf(stats), `profile ${name}: filesystem.${spec.profileKey}`);
    }
  }
}

/**
 * The agent's state: on a home that never ran it the paths are missing, and the agent cannot
 * create what is not in its view, so the launch creates them first (see createStatePaths).
 */
function grantStatePaths(ctx: PlanContext, draft: Draft): void {
  for (const [profileKey, kind] of [['state', 'dir'], ['state_file', 'file']] as const) {
    for (const raw of ctx.profile.filesystem?.[profileKey] ?? []) {
      const path = ctx.expand(raw, `filesystem.${profileKey}`);
      const stats = statIfVisible(path);
      const source = `profile ${ctx.resolved.name}: filesystem.${profileKey}`;
      refuseProtected(path, source, raw, conflictsOf(path, draft.effectiveProtect, ctx.view));
      // A symlink on the way may have been planted by an earlier sandbox in one of its grants;
      // creating through it would make a directory wherever it points.
      if (!stats && draft.lexicalGrants.at(-1) !== path) {
        draft.notes.push(`${source} ${raw}: ${path} does not exist and is reached through a symlink (${draft.lexicalGrants.at(-1)}); not created, create it yourself`);
        continue;
      }
      addRule(draft, path, 'readwrite', stats ? kindOf(stats) : kind, source);
      if (!stats) draft.rules.get(path)!.create = true;
    }
  }
}

/** Command-line grants: a missing path is an error, as the user just typed it. */
function grantFlags(ctx: PlanContext, draft: Draft): void {
  const { request } = ctx;
  for (const spec of GRANT_KEYS) {
    for (const raw of request.grants?.[spec.key] ?? []) {
      const absolute = toAbsolute(raw, request.cwd, ctx.home);
      draft.lexicalGrants.push(absolute);
      const canonical = canonicalOrLexical(absolute);
      const stats = statIfVisible(canonical);
      if (!stats) {
        throw new NonoError('PATH_NOT_FOUND', `${spec.flag} ${raw}: ${absolute} does not exist; create it first or fix the path`, {
          path: absolute,
          flag: spec.flag,
        });
      }
      if (spec.file && stats.isDirectory()) {
        throw new NonoError('PATH_INVALID', `${spec.flag} ${raw}: ${canonical} is a directory; use ${spec.flag.replace('-file', '')} for directories`, {
          path: canonical,
          flag: spec.flag,
        });
      }
      refuseProtected(canonical, spec.flag, raw, conflictsOf(canonical, draft.effectiveProtect, ctx.view));
      addRule(draft, canonical, spec.access, kindOf(stats), spec.flag);
    }
  }
}

/**
 * allow_gpu: the device nodes and driver files that exist here. Granted after the no-delete
 * stage, as before it: device directories are never made write-without-delete.
 */
export function grantGpu(ctx: PlanContext, draft: Draft): void {
  if (!ctx.profile.allow_gpu) return;
  const granted: string[] = [];
  for (const { path, access } of gpuPaths()) {
    const stats = statIfVisible(path);
    if (!stats) continue;
    addRule(draft, path, access, kindOf(stats), `profile ${ctx.resolved.name}: allow_gpu`);
    granted.push(path);
  }
  draft.notes.push(granted.length > 0 ? `allow_gpu granted ${granted.join(', ')}` : 'allow_gpu: no GPU device nodes or driver files on this machine; nothing granted');
}
