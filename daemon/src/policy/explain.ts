// Answers "would the sandbox allow this?" for a path or a host, naming the rule and group
// that decided, from the same compiled plan the helper would apply.
import type { SandboxPlan } from '@nono/shared';
import { canonicalOrLexical, isWithin, toAbsolute } from '@nono/shared/resolve-path';
import { compileRules, decideName, parseHostRule } from '../network/host-rules.js';
import { compileAllowedEndpoints, endpointsFor } from '../network/allowed-endpoints.js';
import { ruleFor } from './command-blocking.js';

export type Operation = 'read' | 'write';

export interface Verdict {
  status: 'ALLOWED' | 'BLOCKED';
  target: string;
  op: Operation | 'connect' | 'exec';
  reason: string;
  rule: { path: string; access: string; source: string } | null;
  group: string | null;
  /** For commands: blocked for every process, or only as the command nono launches. */
  scope?: 'everywhere' | 'launch' | null;
  /** false when the decision is policy the kernel boundary does not enforce yet. */
  enforced: boolean;
}

function groupOf(source: string): string | null {
  if (source.startsWith('group ')) return source.slice(6).split(',')[0]!;
  if (/^[a-z0-9_]+$/.test(source)) return source;
  return null;
}

export function explainPath(plan: SandboxPlan, rawPath: string, op: Operation, cwd: string, home: string): Verdict {
  const target = canonicalOrLexical(toAbsolute(rawPath, cwd, home));
  const denied = plan.denied.find((d) => isWithin(target, d.path));
  if (denied) {
    return {
      status: 'BLOCKED',
      target,
      op,
      reason: `${denied.path} is kept out by ${denied.source}`,
      rule: null,
      group: groupOf(denied.source),
      enforced: true,
    };
  }
  const mask = plan.masks.find((m) => isWithin(target, m.path));
  if (mask) {
    return { status: 'BLOCKED', target, op, reason: `${mask.path} is hidden in the sandbox's view: ${mask.source}`, rule: null, group: null, enforced: true };
  }
  const readonly = op === 'write' ? plan.readonly.find((r) => isWithin(target, r.path)) : undefined;
  if (readonly) {
    return {
      status: 'BLOCKED',
      target,
      op,
      reason: `${readonly.path} is write-protected (${readonly.source}); filesystem.allow_host_exec_paths lifts it`,
      rule: null,
      group: null,
      enforced: true,
    };
  }
  // Landlock rights add up along the path: every granted ancestor contributes.
  const covering = plan.rules.filter((r) => isWithin(target, r.path)).sort((a, b) => b.path.length - a.path.length);
  const grants = (access: string): boolean => access === 'readwrite' || access === op;
  const deciding = covering.find((r) => grants(r.access));
  if (deciding?.kind === 'skeleton' && (op === 'write' || target !== deciding.path)) {
    return {
      status: 'BLOCKED',
      target,
      op,
      reason: `${deciding.path} holds protected entries, so the view rebuilds it from its other entries, read-only: ${op === 'write' ? 'new entries cannot be created directly in it' : `${target} is not one of them`}`,
      rule: { path: deciding.path, access: deciding.access, source: deciding.source },
      group: groupOf(deciding.source),
      enforced: true,
    };
  }
  if (deciding) {
    return {
      status: 'ALLOWED',
      target,
      op,
      reason: `${op} granted on ${deciding.path} by ${deciding.source}`,
      rule: { path: deciding.path, access: deciding.access, source: deciding.source },
      group: groupOf(deciding.source),
      enforced: true,
    };
  }
  const partial = covering[0];
  return {
    status: 'BLOCKED',
    target,
    op,
    reason: partial
      ? `${partial.path} is granted ${partial.access} only (by ${partial.source}), not ${op}`
      : `no rule grants ${target}; everything not granted is denied`,
    rule: partial ? { path: partial.path, access: partial.access, source: partial.source } : null,
    group: partial ? groupOf(partial.source) : null,
    enforced: true,
  };
}

/**
 * The proxy's own decision by name (the same code), for `host` or `host:port` (443 when no
 * port is given). Addresses are judged by the proxy only when it connects, after DNS.
 */
export function explainHost(plan: SandboxPlan, target: string): Verdict {
  const base = { target, op: 'connect' as const, rule: null, group: null };
  if (plan.network === 'block') return { ...base, status: 'BLOCKED', reason: 'the network is blocked (network.block or --net-block)', enforced: true };
  if (plan.network === 'allow') {
    return { ...base, status: 'ALLOWED', reason: 'no host rules: the network is open (list hosts to filter it)', enforced: true };
  }
  const parsed = parseHostRule(target);
  const decision = decideName(compileRules(plan.hosts.allow, plan.hosts.deny), parsed.host, parsed.port ?? 443);
  const via = plan.hosts.networkProfile ? ` (network profile ${plan.hosts.networkProfile} or allow_domain)` : '';
  const paths = endpointsFor(compileAllowedEndpoints(plan.hosts.endpoints ?? []), parsed.host, parsed.port ?? 443);
  const only = paths.length > 0 ? `, on these paths only: ${paths.map((e) => e.text).join(', ')}` : '';
  return decision.allowed
    ? { ...base, status: 'ALLOWED', reason: `matches ${decision.rule}${via}${only}; the proxy still refuses it if it resolves to a private, link-local or metadata address no rule names`, enforced: true }
    : { ...base, status: 'BLOCKED', reason: decision.reason, enforced: true };
}

/**
 * Whether a command would run, and where: blocked for every process when the view covers its
 * file with a stub, blocked only as the command nono launches by a launch group, or allowed.
 */
export function explainCommand(plan: SandboxPlan, name: string): Verdict {
  const base = { target: name, op: 'exec' as const, rule: null };
  const rules = plan.commandRules;
  const lifted = ruleFor(rules.allow, name);
  const everywhere = ruleFor(rules.everywhere, name);
  const launch = ruleFor(rules.launch, name);
  if (lifted) {
    const was = [everywhere, launch].filter((r) => r !== undefined).map((r) => r.source);
    const reason = was.length > 0 ? `blocked by ${was.join(' and ')}, lifted by ${lifted.source}` : `${lifted.source} names it, and no block does anyway`;
    return { ...base, status: 'ALLOWED', reason: `${reason} (filesystem rules still apply to what it does)`, group: null, scope: null, enforced: true };
  }
  if (everywhere) {
    const hits = plan.blockedCommands.filter((c) => c.name === name || c.path.endsWith(`/${name}`));
    const where =
      plan.isolation.mode !== 'view'
        ? 'only as the command nono launches here: covering it for every process needs the private filesystem view, which is off (nono doctor says why)'
        : hits.length > 0
          ? `for every process in the sandbox: ${hits.map((h) => h.path).join(', ')} ${hits.length === 1 ? 'is' : 'are'} covered in the view by a stub`
          : 'for every process in the sandbox: its file, wherever the sandbox sees one, is covered in the view by a stub';
    return {
      ...base,
      status: 'BLOCKED',
      reason: `blocked by ${everywhere.source} ${where}; lift with --allow-command ${name} or commands.allow`,
      group: groupOf(everywhere.source),
      scope: 'everywhere',
      enforced: plan.isolation.mode === 'view',
    };
  }
  if (launch) {
    return {
      ...base,
      status: 'BLOCKED',
      reason: `blocked by ${launch.source} as the command nono launches (nono run -- ${name} is refused); processes inside the sandbox may run it on what the filesystem rules let them touch; lift with --allow-command ${name} or commands.allow`,
      group: groupOf(launch.source),
      scope: 'launch',
      enforced: true,
    };
  }
  return { ...base, status: 'ALLOWED', reason: 'no blocking group, commands.deny or --block-command names it (filesystem rules still apply to what it does)', group: null, scope: null, enforced: true };
}
