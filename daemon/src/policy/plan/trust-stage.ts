// Stage 9, trust: the trust gate's verdict, taken before compiling, into the plan. Signed
// instruction files are read-only inside the sandbox, so an agent cannot rewrite its own
// instructions mid-session (and have them trusted at the next start). Only the view can do
// that inside a writable grant: Landlock cannot deny below an allow.
import type { TrustGateResult } from '../../trust/run-gate.js';
import { pinsFor } from '../view-plan.js';
import type { Draft, PlanContext } from './plan-draft.js';

export function trustStage(ctx: PlanContext, draft: Draft, trust: TrustGateResult | undefined): void {
  if (!trust) return;
  const view = draft.view!;
  draft.trust = {
    enforcement: trust.report.enforcement,
    overridden: trust.overridden,
    files: trust.report.results.map((r) => ({ path: r.path, status: r.status })),
  };
  draft.notes.push(...trust.notes);
  const writable = view.rules.filter((r) => r.access !== 'read' && (r.kind === 'dir' || r.kind === 'skeleton'));
  const exposed = trust.report.readOnlyPaths.filter((path) => writable.some((r) => path.startsWith(`${r.path}/`)) && !view.readonly.some((ro) => ro.path === path));
  if (exposed.length === 0) return;
  if (!ctx.view) {
    draft.notes.push(`trust: ${exposed.length} signed instruction file(s) stay writable: Landlock alone cannot make a file read-only inside a writable directory (nono doctor says why the view is off)`);
    return;
  }
  for (const path of exposed) view.readonly.push({ path, source: 'trust: signed instruction file' });
  view.pins = pinsFor(view.readonly, view.rules);
}
