// policy.show: a profile fully resolved, as merged JSON and as the plan it gives here.
import { compilePlan } from '../policy/compile-plan.js';
import { defaultProfile } from '../policy/default-profile.js';
import type { MethodHandler } from './method-table.js';

export const policyShow: MethodHandler<'policy.show'> = async (params, ctx) => {
  const { policy } = ctx.services;
  const resolved = policy.profiles.load(params.profile ?? defaultProfile(ctx.services.paths.configDir), params.cwd);
  const { plan } = compilePlan(params, policy);
  return { profile: resolved.profile, plan };
};
