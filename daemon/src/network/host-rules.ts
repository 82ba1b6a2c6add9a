// The session's host rules, decided in order: hard denies, then deny_domain, then the allowlist
// (exact host, "*.suffix" for subdomains, optionally ":port"). Everything else is denied.
import { isIP } from 'node:net';
import { HARD_DENIED_NAMES, isHardDenied, isLoopback } from './address-ranges.js';

export interface HostRule {
  text: string;
  host: string;
  port: number | undefined;
}

export interface HostPolicyRules {
  allow: HostRule[];
  deny: HostRule[];
}

/**
 * Why the policy refused: `hard` (metadata, link-local: no rule can allow it), `deny-rule` (a
 * deny_domain entry, which wins over any allow), `not-listed` (a rule would allow it) and
 * `unnamed-address` (the name is allowed, but it resolves to a private or loopback address
 * that only a rule naming the address itself lets through) and `path-rule` (the host is
 * allowed on other paths only: network.allow_endpoints).
 */
export type DenyCause = 'hard' | 'deny-rule' | 'not-listed' | 'unnamed-address' | 'path-rule';

/** A refusal, with the allow rule that would change it where one would (never for hard or deny-rule). */
export interface Refusal {
  allowed: false;
  reason: string;
  cause: DenyCause;
  suggest?: string;
}

export type NameDecision = { allowed: true; rule: string } | Refusal;

/** The rule to suggest for host:port: the bare host on the web's ports, else host:port. */
export function ruleFor(host: string, port: number): string {
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return port === 80 || port === 443 ? shown : `${shown}:${port}`;
}

/** "api.example.com", "*.example.com", "example.com:8443", "10.0.0.5", "[::1]:8080". */
export function parseHostRule(text: string): HostRule {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { text, host: bracketed[1]!.toLowerCase(), port: bracketed[2] ? Number(bracketed[2]) : undefined };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && isIP(text) !== 6 && /^\d+$/.test(text.slice(colon + 1))) {
    return { text, host: text.slice(0, colon).toLowerCase().replace(/\.$/, ''), port: Number(text.slice(colon + 1)) };
  }
  return { text, host: text.toLowerCase().replace(/\.$/, ''), port: undefined };
}

export function hostRuleMatches(rule: HostRule, host: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  if (rule.host === 'localhost' && isLoopback(host)) return true;
  if (rule.host.startsWith('*.')) return host.endsWith(rule.host.slice(1)) && host.length > rule.host.length - 1;
  return rule.host === host;
}

export function compileRules(allow: string[], deny: string[]): HostPolicyRules {
  return { allow: allow.map(parseHostRule), deny: deny.map(parseHostRule) };
}

export function decideName(rules: HostPolicyRules, rawHost: string, port: number): NameDecision {
  const host = rawHost.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
  if (HARD_DENIED_NAMES.includes(host) || isHardDenied(host)) {
    return { allowed: false, cause: 'hard', reason: `${host} is a cloud metadata or link-local address, never reachable from a sandbox` };
  }
  const denied = rules.deny.find((r) => hostRuleMatches(r, host, port));
  if (denied) return { allowed: false, cause: 'deny-rule', reason: `${host}:${port} matches deny_domain ${denied.text}` };
  const allowed = rules.allow.find((r) => hostRuleMatches(r, host, port));
  if (allowed) return { allowed: true, rule: allowed.text };
  return { allowed: false, cause: 'not-listed', reason: `${host}:${port} is on no allowlist (allow_domain, network profile)`, suggest: ruleFor(host, port) };
}

/**
 * Whether a rule names this address itself, which is what lets a private address through.
 * `localhost` names the loopback addresses: it means nothing else, wherever DNS points it.
 */
export function namesAddress(rules: HostPolicyRules, address: string, port: number): HostRule | undefined {
  const plain = address.toLowerCase();
  return rules.allow.find(
    (r) => (r.port === undefined || r.port === port) && ((isIP(r.host) !== 0 && r.host === plain) || (r.host === 'localhost' && isLoopback(plain))),
  );
}

/** A host loopback port the view reaches at the same address, through the relay and the proxy. */
export interface LoopbackForward {
  address: string;
  port: number;
}

/**
 * The allow rules that name a loopback address (or localhost) with a port: in the view the
 * sandbox's loopback is its own, so these are only reachable if the relay listens there too.
 * A rule without a port names no port to listen on; the relay's own port is the relay's.
 */
export function loopbackForwards(allow: string[], relayPort: number): LoopbackForward[] {
  const forwards = new Map<string, LoopbackForward>();
  for (const rule of allow.map(parseHostRule)) {
    if (rule.port === undefined || rule.port === relayPort) continue;
    const addresses = rule.host === 'localhost' ? ['127.0.0.1', '::1'] : isLoopback(rule.host) ? [rule.host] : [];
    for (const address of addresses) forwards.set(`${address} ${rule.port}`, { address, port: rule.port });
  }
  return [...forwards.values()];
}
