// policy.why: would the sandbox built from this request allow a path operation or a host?
import { NonoError } from '@nono/shared';
import { compilePlan } from '../policy/compile-plan.js';
import { explainHost, explainPath } from '../policy/explain.js';
import type { MethodHandler } from './method-table.js';

export const policyWhy: MethodHandler<'policy.why'> = async (params, ctx) => {
  if ((params.path === undefined) === (params.host === undefined)) {
    throw new NonoError('INVALID_PARAMS', 'policy.why: give exactly one of path or host, e.g. nono why ~/.ssh/id_rsa or nono why --host api.anthropic.com', {
      field: 'path',
    });
  }
  const { plan } = compilePlan(params, ctx.services.policy);
  if (params.host !== undefined) return explainHost(plan, params.host);
  const home = params.env.HOME?.startsWith('/') ? params.env.HOME : ctx.services.policy.daemonHome;
  return explainPath(plan, params.path!, params.op ?? 'read', params.cwd, home);
};
