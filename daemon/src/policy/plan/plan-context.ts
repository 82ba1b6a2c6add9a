// The first step of compiling: the request and the machine resolved into what every stage
// reads (home, workdir, the profile and its chain, the active groups, view or Landlock alone).
// Refusals that need no grant yet (full isolation required, an unknown group) happen here.
import { tmpdir } from 'node:os';
import { NonoError } from '@nono/shared';
import { didYouMean } from '@nono/shared/did-you-mean';
import { canonicalOrLexical, toAbsolute } from '@nono/shared/resolve-path';
import { expandPath, type PolicyContext } from '../policy-variables.js';
import type { GroupCatalog, Platform } from '../group-catalog.js';
import type { ResolvedProfile } from '../profile-loader.js';
import { defaultProfile } from '../default-profile.js';
import type { PolicyServices, RunRequest } from './plan-inputs.js';
import type { Draft, PlanContext } from './plan-draft.js';

/** The home the request's paths expand against: the caller's, else the daemon's. */
export function homeOf(request: Pick<RunRequest, 'env'>, daemonHome: string): string {
  return request.env.HOME?.startsWith('/') ? request.env.HOME : daemonHome;
}

/** The directory the session works in, known before compiling so the trust gate can check it. */
export function planWorkdir(request: Pick<RunRequest, 'cwd' | 'env' | 'workdir'>, daemonHome: string): string {
  const cwd = canonicalOrLexical(request.cwd);
  return request.workdir ? canonicalOrLexical(toAbsolute(request.workdir, request.cwd, homeOf(request, daemonHome))) : cwd;
}

export function resolveContext(request: RunRequest, services: PolicyServices, draft: Draft): PlanContext {
  const home = homeOf(request, services.daemonHome);
  const workdir = planWorkdir(request, services.daemonHome);
  const resolved = services.profiles.load(request.profile ?? defaultProfile(services.paths.configDir), request.cwd);
  const profile = resolved.profile;
  const where = resolved.chain.at(-1)!.file;
  const vars: PolicyContext = {
    home,
    workdir,
    tmpdir: request.env.TMPDIR?.startsWith('/') ? request.env.TMPDIR : tmpdir(),
    uid: process.getuid?.() ?? 0,
    env: request.env,
  };
  const view = services.isolation.view;
  if (!view && (request.requireFullIsolation || profile.require_full_isolation)) {
    throw new NonoError(
      'ISOLATION_UNAVAILABLE',
      `full isolation is required (${request.requireFullIsolation ? '--require-full-isolation' : `profile ${resolved.name}: require_full_isolation`}) but ${services.isolation.reason ?? 'user namespaces are unavailable'}; \`nono doctor\` says what to change`,
      { reason: services.isolation.reason },
    );
  }
  const expand = (raw: string, key: string): string => {
    const expanded = expandPath(raw, vars);
    if (typeof expanded !== 'string') {
      throw new NonoError('PROFILE_INVALID', `${where}: ${key}: unknown variable $${expanded.unknown} in ${raw}; use $HOME, $WORKDIR, $TMPDIR, $UID or $XDG_*`, {
        file: where,
        key,
      });
    }
    const lexical = toAbsolute(expanded, workdir, home);
    draft.lexicalGrants.push(lexical);
    return canonicalOrLexical(lexical);
  };
  return {
    request,
    services,
    home,
    cwd: canonicalOrLexical(request.cwd),
    workdir,
    resolved,
    profile,
    where,
    vars,
    view,
    platform: request.platform,
    groups: activeGroups(resolved, services.groups, request.platform),
    expand,
  };
}

/** Required groups are always active; the rest as the profile includes them, minus excludes. */
function activeGroups(resolved: ResolvedProfile, catalog: GroupCatalog, platform: Platform | undefined): string[] {
  const where = resolved.chain.at(-1)!.file;
  const profile = resolved.profile;
  const include = profile.groups?.include ?? [];
  const exclude = [...(profile.groups?.exclude ?? []), ...(profile.policy?.exclude_groups ?? [])];
  for (const [key, names] of [
    ['groups.include', include],
    ['groups.exclude', exclude],
  ] as const) {
    for (const name of names) {
      if (!catalog.has(name)) {
        throw new NonoError('PROFILE_INVALID', `${where}: ${key}: unknown group ${name}${didYouMean(name, catalog.names())}; \`nono policy groups\` lists the groups`, { file: where, key });
      }
    }
  }
  for (const name of exclude) {
    if (catalog.get(name).required) {
      throw new NonoError(
        'PROFILE_INVALID',
        `${where}: groups.exclude: ${name} is a required deny group and cannot be excluded; grant a narrower path with policy.override_deny instead`,
        { file: where, key: 'groups.exclude' },
      );
    }
  }
  const active = new Set([...catalog.required(), ...include]);
  for (const name of exclude) active.delete(name);
  return [...active].filter((name) => catalog.appliesHere(name, platform)).sort();
}
