// Stage 7, environment: the variables the child gets. Secret-looking ones are withheld unless
// allowed, and one that names a host socket the view hides is dropped: it is a pointer into
// what the sandbox cannot reach.
import { canonicalOrLexical } from '@nono/shared/resolve-path';
import { filterEnvironment } from '../environment.js';
import { socketOfVariable } from '../host-sockets.js';
import type { Draft, PlanContext } from './plan-draft.js';

export function environmentStage(ctx: PlanContext, draft: Draft): void {
  const { request } = ctx;
  const filtered = filterEnvironment(request.env, ctx.profile.environment ?? {}, ctx.services.secretNames, request.allowEnv);
  const { env, passed } = filtered;
  const dropped = [...filtered.dropped];
  for (const name of [...passed]) {
    const socket = socketOfVariable(name, env[name]!);
    if (socket === undefined || draft.grantedSockets.includes(canonicalOrLexical(socket))) continue;
    delete env[name];
    passed.splice(passed.indexOf(name), 1);
    dropped.push(name);
  }
  dropped.sort();
  draft.environment = { values: env, passed, dropped, withheld: new Set(filtered.withheld) };
}
