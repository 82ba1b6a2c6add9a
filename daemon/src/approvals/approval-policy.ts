// Policy before asking: what no answer may grant. A file the plan keeps out (protected paths,
// required deny groups, nono's own state), hides or write-protects is refused without a question,
// judged with its symlinks resolved; a directory holding one gets one open at a time, never a
// lasting grant, and always (a profile file grant) is never given to a directory. Hosts are
// judged by the proxy before it asks.
import { existsSync, statSync } from 'node:fs';
import type { ApprovalAnswer, SandboxPlan } from '@nono/shared';
import { canonicalOrLexical, isWithin } from '@nono/shared/resolve-path';
import type { ApprovalRequest, GrantRefusal } from './approval-broker.js';

/** Why the request is refused without asking, or undefined when the user may be asked. */
export function refusalFor(plan: SandboxPlan | undefined, request: ApprovalRequest): string | undefined {
  if (!plan) return 'the session is gone';
  if (request.kind === 'network') return plan.approvals?.network ? undefined : 'network approvals are off for this session';
  if (!plan.approvals?.files) return 'file approvals are off for this session';
  if (!request.path.startsWith('/')) return `${request.path} is not an absolute path`;
  for (const path of new Set([request.path, canonicalOrLexical(request.path)])) {
    const denied = plan.denied.find((d) => isWithin(path, d.path));
    if (denied) return `${denied.path} is kept out by ${denied.source}; no approval can grant it`;
    const hidden = [...plan.masks, ...(plan.leftOut ?? [])].find((m) => isWithin(path, m.path));
    if (hidden) return `${hidden.path} is hidden by ${hidden.source}; no approval can grant it`;
    const readonly = request.access === 'write' ? plan.readonly.find((r) => isWithin(path, r.path)) : undefined;
    if (readonly) return `${readonly.path} is write-protected (${readonly.source}); no approval can grant writing it`;
  }
  return undefined;
}

/** Why a lasting answer (allow-session, always) is refused for a request the user may be asked about. */
export function grantRefusalFor(plan: SandboxPlan | undefined, request: ApprovalRequest, answer: ApprovalAnswer): GrantRefusal | undefined {
  if (!plan || request.kind !== 'file') return undefined;
  const path = canonicalOrLexical(request.path);
  const inside = [...plan.denied, ...plan.masks, ...(plan.leftOut ?? [])].filter((p) => isWithin(p.path, path));
  // Name what is really there first: a home holds a few of the many protected paths.
  const held = inside.find((p) => existsSync(p.path)) ?? inside[0];
  if (held) return { kind: 'PATH_DENIED', message: `${path} holds ${held.path} (${held.source}); answer allow-once (one open) or deny` };
  if (answer === 'always' && isDirectory(path)) return { kind: 'PATH_INVALID', message: `${path} is a directory and always adds a file grant to the profile draft; answer allow-once or allow-session, or grant the directory in the profile yourself` };
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
