// policy.show: a profile fully resolved, as merged JSON and as the plan it gives here, or on
// macOS (with the Seatbelt profile the macOS helper would apply, for review).
import { NonoError } from '@nono/shared';
import { compilePlan } from '../policy/compile-plan.js';
import { defaultProfile } from '../policy/default-profile.js';
import { planForMacos, previewProfile } from '../sandbox/seatbelt/seatbelt-preview.js';
import type { MethodHandler } from './method-handler.js';

export const policyShow: MethodHandler<'policy.show'> = async (params, ctx) => {
  const { policy } = ctx.services;
  const resolved = policy.profiles.load(params.profile ?? defaultProfile(ctx.services.paths.configDir), params.cwd);
  // Without either, the plan a run here would get, with the daemon's own isolation.
  const platform = params.platform ?? (params.sbpl ? 'macos' : undefined);
  if (params.sbpl && platform !== 'macos') {
    throw new NonoError('INVALID_PARAMS', 'sbpl: a Seatbelt profile exists only for macOS; ask with platform macos, or leave platform out', { platform });
  }
  if (platform !== 'macos') return { profile: resolved.profile, plan: compilePlan({ ...params, platform }, policy).plan };
  const plan = planForMacos(params, policy);
  return { profile: resolved.profile, plan, ...(params.sbpl ? { sbpl: previewProfile(plan, resolved.profile) } : {}) };
};
