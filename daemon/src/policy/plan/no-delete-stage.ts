// Stage 3, no-delete: write-without-delete grants (filesystem.no_delete, --allow-no-delete,
// workdir.access readwrite-nodelete, a group's protect_deletes), marked on their rules once
// every grant is in. On Landlock a wider grant above that may delete cannot be narrowed, so a
// no-delete the user asked for under one is refused rather than run less confined.
import { NonoError, type PlanRule } from '@nono/shared';
import { currentPlatform } from '../group-catalog.js';
import { canonicalOrLexical, isWithin, kindOf, statIfVisible, toAbsolute } from '@nono/shared/resolve-path';
import { addRule, conflictsOf, refuseProtected, type Draft, type PlanContext } from './plan-draft.js';

export function noDeleteStage(ctx: PlanContext, draft: Draft): void {
  const { request, profile, resolved, view } = ctx;
  const noDelete = draft.noDelete;
  const noDeleteGrants = [
    ...(profile.filesystem?.no_delete ?? []).map((raw) => ({ raw, path: ctx.expand(raw, 'filesystem.no_delete'), by: `profile ${resolved.name}: filesystem.no_delete`, cli: false })),
    ...(request.grants?.allowNoDelete ?? []).map((raw) => ({ raw, path: canonicalOrLexical(toAbsolute(raw, request.cwd, ctx.home)), by: '--allow-no-delete', cli: true })),
  ];
  for (const grant of noDeleteGrants) {
    const stats = statIfVisible(grant.path);
    if (!stats) {
      if (grant.cli) throw new NonoError('PATH_NOT_FOUND', `${grant.by} ${grant.raw}: ${grant.path} does not exist; create it first or fix the path`, { path: grant.path });
      draft.notes.push(`${grant.by} ${grant.raw}: ${grant.path} does not exist; skipped`);
      continue;
    }
    refuseProtected(grant.path, grant.by, grant.raw, conflictsOf(grant.path, draft.effectiveProtect, view));
    addRule(draft, grant.path, 'readwrite', kindOf(stats), grant.by);
    noDelete.set(grant.path, grant.by);
  }

  const workdirAccess = request.allowCwd ? 'readwrite' : (profile.workdir?.access ?? 'none');
  if (workdirAccess !== 'none') {
    const source = request.allowCwd ? '--allow-cwd' : `profile ${resolved.name}: workdir.access`;
    refuseProtected(ctx.workdir, source, ctx.workdir, conflictsOf(ctx.workdir, draft.effectiveProtect, view));
    addRule(draft, ctx.workdir, workdirAccess === 'readwrite-nodelete' ? 'readwrite' : workdirAccess, 'dir', source);
    if (workdirAccess === 'readwrite-nodelete') noDelete.set(ctx.workdir, source);
  }
  const protectingGroup = ctx.groups.find((name) => ctx.services.groups.get(name).protect_deletes === true);
  if (protectingGroup) {
    for (const rule of draft.rules.values()) {
      const scratch = ['/tmp', '/var/tmp', ctx.vars.tmpdir].includes(rule.path) || rule.path.startsWith('/dev');
      if (rule.access !== 'read' && rule.kind === 'dir' && !scratch && !noDelete.has(rule.path)) noDelete.set(rule.path, `group ${protectingGroup}`);
    }
  }
  for (const path of noDelete.keys()) draft.rules.get(path)!.noDelete = true;
  // Landlock adds rights down the tree, so a grant above that may delete cannot be narrowed
  // here; Seatbelt's deny of file-write-unlink holds whatever is allowed above it.
  const landlock = (ctx.platform ?? currentPlatform()) === 'linux';
  for (const [path, by] of landlock ? noDelete : []) {
    const above = [...draft.rules.values()].find((r) => r.path !== path && isWithin(path, r.path) && r.access !== 'read' && !r.noDelete && r.kind === 'dir');
    if (!above) continue;
    // A group's own blanket no-delete skips the temp dirs on purpose; only what the user asked for must hold.
    if (by.startsWith('group ')) draft.notes.push(`${by} ${path}: ${above.path} (${above.source}) grants delete above it, so deletes there are still allowed`);
    else refuseOverriddenNoDelete(path, by, above);
  }
}

/**
 * A no-delete grant inside a wider one that may delete would run with deletes allowed: refused
 * rather than run less confined than asked, whoever made the wider grant (a group the profile
 * pulls in by default included: the user asked for no-delete there, and only they can choose
 * which of the two to give up).
 */
function refuseOverriddenNoDelete(path: string, by: string, above: PlanRule): never {
  const groups = above.source.split(', ').filter((source) => source.startsWith('group ')).map((source) => source.slice('group '.length));
  const fromGroupsOnly = groups.length === above.source.split(', ').length;
  const advice = fromGroupsOnly
    ? `exclude ${groups.length > 1 ? 'groups' : 'group'} ${groups.join(', ')} in the profile (groups.exclude) or pick a directory outside ${above.path}`
    : `drop that grant, or make it write-without-delete too (--allow-no-delete ${above.path} or filesystem.no_delete)`;
  throw new NonoError(
    'NO_DELETE_OVERRIDDEN',
    `${by} ${path}: ${above.path} (${above.source}) lets the sandbox delete there, and Landlock cannot take that right back below it; ${advice}`,
    { path, wider: above.path, widerSource: above.source },
  );
}
