// Stage 1, protect: the paths kept out (nono's own, every active group's denies, the
// profile's) and the overrides that lift some of them. Whether an override is backed by a
// grant is checked by the socket stage, once every grant is in.
import { NonoError } from '@nono/shared';
import { canonicalOrLexical, isWithin, toAbsolute } from '@nono/shared/resolve-path';
import type { Draft, PlanContext, ProtectedPath } from './plan-draft.js';

export function protectStage(ctx: PlanContext, draft: Draft): void {
  const { services, profile, resolved, request } = ctx;
  const protect: ProtectedPath[] = [
    { path: services.paths.runtimeDir, source: "nono's runtime dir (control socket and its secret)", own: true },
    { path: services.paths.stateDir, source: "nono's state dir (database, logs)", own: true },
    { path: services.paths.socketPath, source: "nono's control socket", own: true },
    // An agent that could edit its profiles or trust keys would widen its next sandbox.
    { path: services.paths.configDir, source: "nono's config dir (profiles, trust keys)", own: true },
    // Installed packs are profiles too, pinned by digest: editing one would widen the next sandbox.
    { path: services.paths.packagesDir, source: "nono's installed policy packs", own: true },
  ].map((p) => ({ ...p, path: canonicalOrLexical(p.path) }));
  for (const name of ctx.groups) {
    for (const raw of services.groups.get(name).deny ?? []) protect.push({ path: ctx.expand(raw, `groups.${name}.deny`), source: name, own: false });
  }
  for (const raw of profile.filesystem?.deny ?? []) protect.push({ path: ctx.expand(raw, 'filesystem.deny'), source: `profile ${resolved.name}: filesystem.deny`, own: false });
  for (const raw of profile.policy?.add_deny_access ?? []) {
    protect.push({ path: ctx.expand(raw, 'policy.add_deny_access'), source: `profile ${resolved.name}: policy.add_deny_access`, own: false });
  }

  // Lifting a deny needs a grant that reaches the lifted path; checked once grants are known.
  const overrides = [
    ...(profile.policy?.override_deny ?? []).map((raw) => ({ path: ctx.expand(raw, 'policy.override_deny'), by: 'policy.override_deny' })),
    ...(request.bypassProtection ?? []).map((raw) => ({ path: canonicalOrLexical(toAbsolute(raw, request.cwd, ctx.home)), by: '--bypass-protection' })),
  ];
  const lifted = new Set<ProtectedPath>();
  for (const override of overrides) {
    const hits = protect.filter((p) => isWithin(p.path, override.path));
    const own = hits.find((p) => p.own);
    if (own) throw new NonoError('PATH_DENIED', `${override.by} ${override.path}: ${own.source} can never be exposed to a sandbox`, { path: override.path });
    if (hits.length === 0) draft.notes.push(`${override.by} ${override.path}: nothing protected there; it has no effect`);
    for (const hit of hits) lifted.add(hit);
  }
  draft.protect = protect;
  draft.overrides = overrides;
  draft.effectiveProtect = protect.filter((p) => !lifted.has(p));
}
