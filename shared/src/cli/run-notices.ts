// What `nono run` on pipes writes of its own around the command's output: the lines before it
// (what the sandbox runs without), a question waiting elsewhere, what the session left behind.
// Written by the Node client and by nonod for a launcher's run (daemon/src/launch/), so both say
// the same words.
import type { ApprovalRequestView, QuarantineFinding, SandboxPlan } from '../protocol/schemas.js';
import { printable } from '../printable.js';

/** The withheld variables by name only; a route's key says the sandbox gets a phantom instead. */
export function withheldNames(plan: SandboxPlan): string[] {
  const routeOf = new Map(plan.env.credentialSources.map((s) => [s.variable, s.route]));
  return plan.env.withheld.map((name) => (routeOf.has(name) ? `${name} (served to the ${routeOf.get(name)} route; the sandbox gets a phantom)` : name));
}

/** What a started sandbox runs without that the user may not expect, for stderr. */
export function planNotices(plan: SandboxPlan, json: boolean): string {
  let text = '';
  if (plan.isolation.mode === 'landlock') {
    text += `nono: Landlock alone, ${plan.isolation.reason ?? 'no private view'}: ${plan.isolation.missing.join('; ')} (--require-full-isolation refuses instead)\n`;
  }
  // Names only: what the shell held that the sandbox does not get, and how to pass it.
  if (plan.env.withheld.length > 0) {
    const routed = new Set(plan.env.credentialSources.map((s) => s.variable));
    const hint = plan.env.withheld.some((name) => !routed.has(name)) ? '; pass one with --allow-env NAME' : '';
    text += `nono: withheld from the sandbox (look like secrets): ${withheldNames(plan).join(', ')}${hint}\n`;
  }
  if (plan.launch?.note && !json) text += `nono: ${plan.launch.note}\n`;
  return text;
}

/** A finished session: files false when the daemon said it recorded no file denials; asked false when the session asked nothing. */
export interface AfterRun {
  id: string;
  name: string;
  profile: string;
  proxied: boolean;
  files?: boolean;
  asked?: boolean;
}

/**
 * What the report after a run looks at (the denials footer, the snapshot line), from what the
 * exit notification said there is (`session.exit`'s denials and snapshots; absent, everything
 * is looked at): for the Node client, and for nonod deciding whether a launcher's run needs one.
 */
export function afterRunOf(session: { id: string; name: string }, plan: SandboxPlan, reports: { denials?: number | undefined; snapshots?: boolean | undefined } | undefined): { session: AfterRun; snapshots: boolean } {
  const asked = plan.approvals !== undefined && (plan.approvals.network || plan.approvals.files);
  return {
    session: { id: session.id, name: session.name, profile: plan.profile, proxied: plan.network === 'proxied', files: reports?.denials !== 0, asked },
    snapshots: reports?.snapshots !== false,
  };
}

/** No terminal to draw a prompt on: how to answer from another shell. */
export function approvalWaitingLine(request: Pick<ApprovalRequestView, 'id' | 'kind' | 'subject'>): string {
  const { id, kind, subject } = request;
  return `${printable(`nono: waiting for approval ${id} (${kind} ${subject}): nono approve ${id} [--once|--session|--always|--deny]`)}\n`;
}

/** After a run: what the session planted for the host to run later and nono moved aside (or whose set-id bits it stripped), so the user learns it here rather than from a surprise. */
export function formatQuarantine(findings: QuarantineFinding[]): string {
  if (findings.length === 0) return '';
  const lines = findings.map((f) => `  ${f.path}${f.movedTo ? ` -> ${f.movedTo}` : ''}: ${f.reason}`);
  return `nono: the session left ${findings.length} thing(s) the host would run later; moved aside, never deleted (\`nono audit list --kind sandbox.quarantine\`):\n${lines.join('\n')}\n`;
}
