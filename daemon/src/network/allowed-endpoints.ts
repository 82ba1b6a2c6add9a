// network.allow_endpoints: "api.anthropic.com:443/v1/messages" lets the host through for those
// paths only, any method. A path is only visible where the proxy reads the request: plain HTTP,
// and TLS it terminates itself (credential routes). A tunnel to a host with path rules would
// carry any path, so it is refused, and a profile asking for one on 443 is refused up front.
import picomatch from 'picomatch';
import { parseHostRule, hostRuleMatches, type HostRule } from './host-rules.js';

export interface AllowedEndpoint {
  text: string;
  host: HostRule;
  port: number;
  matches: (path: string) => boolean;
}

export type PathVerdict = { allowed: true; rule: string } | { allowed: false; reason: string };

/**
 * "host[:port]/glob"; 443 when the port is left out. `*` is one path segment and `**` any
 * depth, except that a trailing `/*` means everything below, as the seed profiles write it.
 */
export function parseAllowedEndpoint(text: string): AllowedEndpoint {
  const slash = text.indexOf('/');
  const hostPart = slash < 0 ? text : text.slice(0, slash);
  const pattern = slash < 0 ? '/**' : text.slice(slash).replace(/\/\*$/, '/**');
  const host = parseHostRule(hostPart);
  const port = host.port ?? 443;
  return { text, host: { ...host, port }, port, matches: picomatch(pattern, { dot: true }) };
}

export function compileAllowedEndpoints(texts: string[]): AllowedEndpoint[] {
  return texts.map(parseAllowedEndpoint);
}

/** The rules that name host:port; none means the host is not limited by path. */
export function endpointsFor(endpoints: AllowedEndpoint[], host: string, port: number): AllowedEndpoint[] {
  const name = host.toLowerCase().replace(/\.$/, '');
  return endpoints.filter((e) => hostRuleMatches(e.host, name, port));
}

/** null when no path rule names host:port (its host rules alone decide). */
export function pathVerdict(endpoints: AllowedEndpoint[], host: string, port: number, url: string): PathVerdict | null {
  const rules = endpointsFor(endpoints, host, port);
  if (rules.length === 0) return null;
  const path = url.split('?')[0]!;
  const match = rules.find((rule) => rule.matches(path));
  if (match) return { allowed: true, rule: `allow_endpoints ${match.text}` };
  return { allowed: false, reason: `${host}:${port}${path} matches no allow_endpoints rule for that host (${rules.map((r) => r.text).join(', ')})` };
}
