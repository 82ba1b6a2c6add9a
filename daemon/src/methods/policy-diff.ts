// policy.diff: what one profile grants, keeps out or lets through that another does not.
import { compilePlan } from '../policy/compile-plan.js';
import type { MethodHandler } from './method-handler.js';

function onlyIn(a: string[], b: string[]): string[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
}

export const policyDiff: MethodHandler<'policy.diff'> = async (params, ctx) => {
  const a = compilePlan({ ...params, profile: params.a }, ctx.services.policy).plan;
  const b = compilePlan({ ...params, profile: params.b }, ctx.services.policy).plan;
  const accessA = new Map(a.rules.map((r) => [r.path, r.access]));
  const accessB = new Map(b.rules.map((r) => [r.path, r.access]));
  const paths = [...new Set([...accessA.keys(), ...accessB.keys()])].sort();
  return {
    a: a.profile,
    b: b.profile,
    rules: paths
      .filter((path) => accessA.get(path) !== accessB.get(path))
      .map((path) => ({ path, a: accessA.get(path) ?? null, b: accessB.get(path) ?? null })),
    groups: { onlyA: onlyIn(a.groups, b.groups), onlyB: onlyIn(b.groups, a.groups) },
    network: { a: a.network, b: b.network },
    hosts: { onlyA: onlyIn(a.hosts.allow, b.hosts.allow), onlyB: onlyIn(b.hosts.allow, a.hosts.allow) },
  };
};
