// Stage 8, network: the host lists, the credential routes fed from the run's environment, and
// the mode (any host rule at all means proxied: the allowlist is then the only way out). A
// route's real key is withheld from the child even under a name that does not look secret.
import type { SandboxPlan } from '@nono/shared';
import { credentialsFromEnvironment } from '../credential-environment.js';
import { parseAllowedEndpoint } from '../../network/allowed-endpoints.js';
import type { Draft, PlanContext } from './plan-draft.js';

export function networkStage(ctx: PlanContext, draft: Draft): void {
  const { request, profile, services } = ctx;
  const environment = draft.environment!;
  const blocked = request.netBlock === true || profile.network?.block === true;
  const networkProfile = request.networkProfile ?? profile.network?.network_profile ?? null;
  const selected = networkProfile ? services.networkProfiles.get(networkProfile, request.networkProfile ? '--network-profile' : ctx.where) : undefined;
  const customRoutes: SandboxPlan['hosts']['customRoutes'] = Object.fromEntries(
    Object.entries(profile.network?.custom_credentials ?? {}).map(([name, r]) => [
      name,
      { upstream: r.upstream, header: r.header.toLowerCase(), format: r.format ?? '{key}', keyVariable: r.key_env, baseUrlVariable: r.base_url_env ?? null, source: r.source ?? null },
    ]),
  );
  const fromEnvironment = credentialsFromEnvironment(
    [...new Set([...(profile.network?.credentials ?? []), ...(request.credentials ?? [])])],
    blocked ? [] : (selected?.credentials ?? []),
    customRoutes,
    new Set(environment.withheld),
  );
  for (const { variable } of fromEnvironment.sources) {
    if (!(variable in request.env)) continue;
    environment.withheld.add(variable);
    if (!environment.passed.includes(variable)) continue;
    delete environment.values[variable];
    environment.passed.splice(environment.passed.indexOf(variable), 1);
  }
  const endpoints = profile.network?.allow_endpoints ?? [];
  const hosts: SandboxPlan['hosts'] = {
    networkProfile,
    allow: [...new Set([...(selected?.hosts ?? []), ...(profile.network?.allow_domain ?? []), ...(request.allowDomain ?? []), ...endpoints.map(endpointHost)])],
    deny: [...(profile.network?.deny_domain ?? [])],
    credentials: fromEnvironment.credentials,
    endpointRules: structuredClone(profile.network?.endpoint_rules ?? {}),
    endpoints: [...endpoints],
    customRoutes,
    enforced: false,
  };
  const proxied = !blocked && (hosts.allow.length > 0 || hosts.credentials.length > 0);
  hosts.enforced = proxied || blocked;
  draft.network = {
    mode: blocked ? 'block' : proxied ? 'proxied' : 'allow',
    hosts,
    credentialSources: fromEnvironment.sources.filter((s) => s.variable in request.env),
  };
}

/** The host rule an allow_endpoints entry implies: its host, on its port. */
function endpointHost(text: string): string {
  const { host, port } = parseAllowedEndpoint(text);
  return `${host.host.includes(':') ? `[${host.host}]` : host.host}:${port}`;
}
