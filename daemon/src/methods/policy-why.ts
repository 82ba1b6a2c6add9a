// policy.why: would the sandbox built from this request allow a path operation or a host?
import { NonoError } from '@nono/shared';
import { compilePlan } from '../policy/compile-plan.js';
import { explainCommand, explainHost, explainPath } from '../policy/explain.js';
import type { MethodHandler } from './method-handler.js';

export const policyWhy: MethodHandler<'policy.why'> = async (params, ctx) => {
  if ([params.path, params.host, params.command].filter((v) => v !== undefined).length !== 1) {
    throw new NonoError('INVALID_PARAMS', 'policy.why: give exactly one of path, host or command, e.g. nono why ~/.ssh/id_rsa, nono why --host api.anthropic.com or nono why --command rm', {
      field: 'path',
    });
  }
  const { plan } = compilePlan(params, ctx.services.policy);
  if (params.command !== undefined) return explainCommand(plan, params.command);
  if (params.host !== undefined) return explainHost(plan, params.host);
  const home = params.env.HOME?.startsWith('/') ? params.env.HOME : ctx.services.policy.daemonHome;
  return explainPath(plan, params.path!, params.op ?? 'read', params.cwd, home);
};
