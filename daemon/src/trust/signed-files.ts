// Signed instruction files are read-only inside the sandbox, so an agent cannot rewrite its own
// instructions mid-session (and then have them trusted at the next start). Only the view can
// do that inside a writable grant: Landlock cannot deny below an allow.
import type { SandboxPlan } from '@nono/shared';
import { pinsFor } from '../policy/view-plan.js';

export function protectSignedFiles(plan: SandboxPlan, paths: string[], notes: string[]): void {
  plan.notes.push(...notes);
  const writable = plan.rules.filter((r) => r.access !== 'read' && (r.kind === 'dir' || r.kind === 'skeleton'));
  const exposed = paths.filter((path) => writable.some((r) => path.startsWith(`${r.path}/`)) && !plan.readonly.some((ro) => ro.path === path));
  if (exposed.length === 0) return;
  if (plan.isolation.mode !== 'view') {
    plan.notes.push(`trust: ${exposed.length} signed instruction file(s) stay writable: Landlock alone cannot make a file read-only inside a writable directory (nono doctor says why the view is off)`);
    return;
  }
  for (const path of exposed) plan.readonly.push({ path, source: 'trust: signed instruction file' });
  plan.pins = pinsFor(plan.readonly, plan.rules);
}
