// Stage 4, sockets: the host unix sockets the profile or flags name (every other one stays out
// of the view), then the check that each deny override has a grant to lift it into.
import { NonoError } from '@nono/shared';
import { canonicalOrLexical, isWithin, statIfVisible, toAbsolute } from '@nono/shared/resolve-path';
import { addRule, conflictsOf, refuseProtected, type Draft, type PlanContext } from './plan-draft.js';

export function socketStage(ctx: PlanContext, draft: Draft): void {
  const { request, resolved } = ctx;
  const socketGrants = [
    ...(ctx.profile.filesystem?.unix_socket ?? []).map((raw) => ({ raw, path: ctx.expand(raw, 'filesystem.unix_socket'), by: `profile ${resolved.name}: filesystem.unix_socket`, cli: false })),
    ...(request.grants?.unixSocket ?? []).map((raw) => {
      const lexical = toAbsolute(raw, request.cwd, ctx.home);
      draft.lexicalGrants.push(lexical);
      return { raw, path: canonicalOrLexical(lexical), by: '--allow-unix-socket', cli: true };
    }),
  ];
  for (const grant of socketGrants) {
    if (statIfVisible(grant.path, false)?.isSocket() !== true) {
      if (grant.cli) throw new NonoError('PATH_NOT_FOUND', `${grant.by} ${grant.raw}: ${grant.path} is not a unix socket (is its service running?)`, { path: grant.path });
      draft.notes.push(`${grant.by} ${grant.raw}: ${grant.path} is not a unix socket now; skipped`);
      continue;
    }
    refuseProtected(grant.path, grant.by, grant.raw, conflictsOf(grant.path, draft.effectiveProtect, ctx.view));
    draft.grantedSockets.push(grant.path);
    addRule(draft, grant.path, 'readwrite', 'socket', grant.by);
  }

  for (const override of draft.overrides) {
    const granted = [...draft.rules.values()].some((r) => isWithin(override.path, r.path) || isWithin(r.path, override.path));
    if (!granted) {
      throw new NonoError(
        'PATH_DENIED',
        `${override.by} ${override.path}: no grant reaches it; add one too (e.g. --read ${override.path}) so the bypass has something to allow`,
        { path: override.path },
      );
    }
  }
}
