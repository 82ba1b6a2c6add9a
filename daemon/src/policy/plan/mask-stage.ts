// Stage 12, masks: the protected paths the helper covers in the view, decided on the final
// rules. A mask is needed only inside a directory bound whole from the host; one inside a
// rebuilt (skeleton) directory is simply left out of it, and is listed apart as left out.
import type { PlanRule } from '@nono/shared';
import { isWithin } from '@nono/shared/resolve-path';
import type { Covered } from '../view-plan.js';

export function appliedMasks(rules: readonly PlanRule[], masks: readonly Covered[]): { masks: Covered[]; leftOut: Covered[] } {
  const bound = rules.filter((r) => r.kind === 'dir' && !r.own);
  const rebuilt = rules.filter((r) => r.kind === 'skeleton');
  const applied: Covered[] = [];
  const leftOut: Covered[] = [];
  for (const mask of masks) {
    const inBound = bound.some((r) => r.path !== mask.path && isWithin(mask.path, r.path));
    if (inBound && !rebuilt.some((r) => isWithin(mask.path, r.path))) applied.push(mask);
    else leftOut.push(mask);
  }
  return { masks: applied, leftOut };
}
