// The human view of a resolved sandbox plan (`nono run --dry-run`).
import type { SandboxPlan } from '@nono/shared/protocol/schemas';
import { withheldNames } from '@nono/shared/cli/run-notices';
import { bold, dim } from './style.js';

const ACCESS_LABEL = { read: 'r- ', write: '-w ', readwrite: 'rw ' } as const;

export function formatPlan(plan: SandboxPlan, argv: string[]): string {
  const out = process.stdout;
  const lines = [
    bold(out, 'Sandbox plan') + dim(out, ` for: ${argv.join(' ')}`),
    `${bold(out, 'Profile')}  ${plan.profile}${plan.profileChain.length > 1 ? dim(out, ` (${plan.profileChain.join(' → ')})`) : ''}`,
    `${bold(out, 'Groups')}   ${plan.groups.join(', ')}`,
    '',
    bold(out, 'Grants'),
  ];
  for (const rule of plan.rules) {
    const created = rule.create ? ' (created on first run)' : '';
    lines.push(`  ${ACCESS_LABEL[rule.access]} ${rule.path}${rule.kind === 'file' ? '' : rule.kind === 'device' ? ' (device)' : '/'}${created}  ${dim(out, rule.source)}`);
  }
  if (plan.readonly.length > 0) {
    lines.push('', bold(out, 'Write-protected inside writable grants (the host runs these later)'));
    for (const entry of plan.readonly) lines.push(`  r-  ${entry.path}${entry.create ? ' (made empty first)' : ''}  ${dim(out, entry.source)}`);
  }
  if (plan.pins.length > 0) {
    lines.push('', bold(out, 'Pinned (cannot be renamed, replaced or removed)'));
    for (const pin of plan.pins) lines.push(`  ${pin.path}  ${dim(out, pin.source)}`);
  }
  if ((plan.preRun ?? []).length > 0) {
    lines.push('', bold(out, 'Pre-run hooks (run in this sandbox before the command; one failing stops the run)'));
    for (const hook of plan.preRun!) lines.push(`  ${hook.path}  ${dim(out, `pack ${hook.pack}`)}`);
  }
  if ((plan.skills ?? []).length > 0) {
    lines.push('', bold(out, "Skills (copied from the pack before the command; read-only to the sandbox)"));
    for (const skill of plan.skills!) lines.push(`  r-  ${skill.path}  ${dim(out, `pack ${skill.pack}: ${skill.install}`)}`);
  }
  lines.push('', bold(out, 'Kept out (no grant may cover these)'));
  for (const denied of plan.denied) lines.push(`  ${denied.path}  ${dim(out, denied.source)}`);
  const network = {
    block: 'blocked (TCP via Landlock, every other socket family via seccomp)',
    proxied:
      plan.isolation.mode === 'view'
        ? "only through the session's filtering proxy (own network namespace, relay on 127.0.0.1:3128)"
        : "only through the session's filtering proxy (Landlock TCP port rule)",
    allow: 'open (no host rules)',
  }[plan.network];
  lines.push('', `${bold(out, 'Network')}  ${network}`);
  if (plan.hosts.allow.length > 0) {
    lines.push(`${bold(out, 'Hosts')}    ${plan.hosts.allow.join(', ')}${plan.hosts.networkProfile ? dim(out, ` (network profile ${plan.hosts.networkProfile})`) : ''}`);
  }
  if ((plan.hosts.endpoints ?? []).length > 0) lines.push(`${bold(out, 'Paths')}    ${plan.hosts.endpoints!.join(', ')}${dim(out, ' (those hosts on these paths only)')}`);
  if (plan.hosts.deny.length > 0) lines.push(`${bold(out, 'Denied')}   ${plan.hosts.deny.join(', ')}`);
  if (plan.approvals?.network || plan.approvals?.files) {
    const asked = [plan.approvals.network ? 'hosts no rule allows' : '', plan.approvals.files ? 'files outside the grants' : ''].filter(Boolean).join(' and ');
    lines.push(`${bold(out, 'Ask')}      ${asked}${dim(out, ' (docs/approvals.md)')}`);
  }
  lines.push(`${bold(out, 'Scopes')}   ${plan.scopes.join(', ')} (no signals or abstract sockets to processes outside)`);
  lines.push(`${bold(out, 'Cwd')}      ${plan.cwd}`);
  if (plan.env.dropped.length > 0) lines.push(`${bold(out, 'Env')}      dropped: ${plan.env.dropped.join(', ')}`);
  if (plan.env.withheld.length > 0) {
    lines.push(`${bold(out, 'Env')}      withheld (look like secrets): ${withheldNames(plan).join(', ')}${dim(out, ' (--allow-env NAME passes one)')}`);
  }
  for (const note of plan.notes) lines.push(`${bold(out, 'Note')}     ${note}`);
  return `${lines.join('\n')}\n`;
}
