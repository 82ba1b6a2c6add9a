// Stage 10, packs: the pre-run hooks of the packs the run's profile comes from. They run in
// the session's own sandbox, so each such pack's version directory is carved out of the
// protected packs dir, read-only, and nothing else of that dir: a pack is policy, never a
// licence to run code on the host or to change what the next sandbox is given.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canonicalOrLexical, isWithin } from '@nono/shared/resolve-path';
import { MANIFEST_FILE, parseManifest } from '../../packs/pack-manifest.js';
import type { Covered } from '../view-plan.js';
import type { Draft, PlanContext } from './plan-draft.js';

export function packStage(ctx: PlanContext, draft: Draft): void {
  const view = draft.view!;
  for (const location of ctx.resolved.chain) {
    if (!location.pack || !location.packDir) continue;
    const manifest = parseManifest(readFileSync(join(location.packDir, MANIFEST_FILE), 'utf8'), location.packDir);
    if (manifest.hooks.length === 0) continue;
    const dir = canonicalOrLexical(location.packDir);
    view.rules.push({ path: dir, access: 'read', kind: 'dir', source: `pack ${location.pack}: its pre-run hooks` });
    view.masks = view.masks.flatMap((mask) => (isWithin(dir, mask.path) ? masksAround(mask, dir) : [mask]));
    draft.preRun.push(...manifest.hooks.map((hook) => ({ path: join(dir, hook.path), pack: location.pack! })));
  }
}

/**
 * A mask over the packs dir would hide the carved-out version too (the helper masks last), so
 * it becomes masks of everything beside the path down to that version.
 */
function masksAround(mask: Covered, keep: string): Covered[] {
  const masks: Covered[] = [];
  let dir = mask.path;
  for (const part of relative(mask.path, keep).split('/')) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name !== part && !lstatSync(path).isSymbolicLink()) masks.push({ path, source: mask.source });
    }
    dir = join(dir, part);
  }
  return masks;
}
