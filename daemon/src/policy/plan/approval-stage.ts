// Stage 8b, approvals: with security.approvals or --ask, a host no rule allows is asked about
// instead of refused, which needs the proxy; so an unrestricted network becomes proxied with an
// empty allowlist (everything is asked). File approvals need the helper's seccomp ADDFD support.
import type { Draft, PlanContext } from './plan-draft.js';

export const FILE_APPROVALS_UNAVAILABLE = 'file approvals need SECCOMP_IOCTL_NOTIF_ADDFD (Linux 5.9+, and a helper that reports it); only network requests are asked';

export function approvalStage(ctx: PlanContext, draft: Draft): void {
  const network = draft.network!;
  const asked = ctx.request.ask === true || ctx.profile.security?.approvals === true;
  if (!asked) {
    draft.approvals = { network: false, files: false };
    return;
  }
  // In the view too: the helper outside it asks only about files the view does not hold, and
  // opens the host file asked about, never one the view masks or stubs.
  const files = ctx.services.fileApprovals === true;
  if (!files) draft.notes.push(FILE_APPROVALS_UNAVAILABLE);
  if (network.mode === 'block') {
    draft.notes.push('network approvals are off: the network is blocked (--net-block), so there is nothing to ask about');
    draft.approvals = { network: false, files };
    return;
  }
  if (network.mode === 'allow') {
    network.mode = 'proxied';
    network.hosts.enforced = true;
    draft.notes.push('approvals: the network goes through the proxy, and every host is asked about until it is allowed');
  }
  draft.approvals = { network: true, files };
}
