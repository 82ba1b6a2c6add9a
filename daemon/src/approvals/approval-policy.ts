// Policy before asking: what no answer may grant. A file the plan keeps out (protected paths,
// the required deny groups, nono's own state), hides (masks) or write-protects (host-exec files)
// is refused without a question, judged on the path with its symlinks resolved, so a link into
// ~/.ssh is refused as ~/.ssh is. Hosts are judged by the proxy before it asks (hard denies and
// deny_domain never reach the broker).
import type { SandboxPlan } from '@nono/shared';
import { canonicalOrLexical, isWithin } from '@nono/shared/resolve-path';
import type { ApprovalRequest } from './approval-broker.js';

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
