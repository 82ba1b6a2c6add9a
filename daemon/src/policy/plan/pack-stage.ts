// Stage 10, packs: the pre-run hooks and skills of the packs the run's profile comes from.
// Hooks run in the session's own sandbox, so each such pack's version directory is carved out
// of the protected packs dir, read-only, and nothing else of that dir: a pack is policy, never
// a licence to run code on the host or to change what the next sandbox is given. A skill is
// copied by the launch to its agent's skill directory and is read-only to the sandbox there.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NonoError } from '@nono/shared';
import { canonicalOrLexical, isWithin } from '@nono/shared/resolve-path';
import { MANIFEST_FILE, parseManifest } from '../../packs/pack-manifest.js';
import { skillDestination } from '../../packs/skill-destinations.js';
import { pinsFor, type Covered } from '../view-plan.js';
import type { Draft, PlanContext } from './plan-draft.js';

export function packStage(ctx: PlanContext, draft: Draft): void {
  const view = draft.view!;
  for (const location of ctx.resolved.chain) {
    if (!location.pack || !location.packDir) continue;
    const manifest = parseManifest(readFileSync(join(location.packDir, MANIFEST_FILE), 'utf8'), location.packDir);
    const dir = canonicalOrLexical(location.packDir);
    for (const skill of manifest.skills) {
      if (skill.install !== undefined) placeSkill(ctx, draft, { pack: location.pack, install: skill.install, from: join(dir, skill.path) });
    }
    if (manifest.hooks.length === 0) continue;
    view.rules.push({ path: dir, access: 'read', kind: 'dir', source: `pack ${location.pack}: its pre-run hooks` });
    view.masks = view.masks.flatMap((mask) => (isWithin(dir, mask.path) ? masksAround(mask, dir) : [mask]));
    draft.preRun.push(...manifest.hooks.map((hook) => ({ path: join(dir, hook.path), pack: location.pack! })));
  }
}

/**
 * Readable at its destination (a rule of its own unless a granted directory shows it); inside
 * a writable grant the view binds it read-only (and pins the directories above it), which
 * Landlock alone cannot do: then a note says it stays writable.
 */
function placeSkill(ctx: PlanContext, draft: Draft, skill: { pack: string; install: string; from: string }): void {
  const view = draft.view!;
  const path = skillDestination(skill.install, canonicalOrLexical(ctx.home));
  const source = `pack ${skill.pack}: skill ${skill.install}`;
  // A link there (one a sandbox made in an earlier session, say) would send the copy elsewhere.
  if (canonicalOrLexical(path) !== path) {
    throw new NonoError('PACK_SKILL_CONFLICT', `${source} goes to ${path}, and a link on the way leads to ${canonicalOrLexical(path)}; remove the link to let the pack place its skill`, { pack: skill.pack, path });
  }
  draft.skills.push({ ...skill, path });
  const covering = view.rules.filter((r) => (r.kind === 'dir' || r.kind === 'skeleton') && isWithin(path, r.path));
  // A directory bound whole already shows it; a rule of its own would only restate that.
  if (!covering.some((r) => r.kind === 'dir' && r.access !== 'write')) view.rules.push({ path, access: 'read', kind: 'file', source });
  const writable = covering.some((r) => r.access !== 'read');
  if (!writable) return;
  if (!ctx.view) {
    draft.notes.push(`${source}: ${path} stays writable: Landlock alone cannot make a file read-only inside a writable directory (nono doctor says why the view is off)`);
    return;
  }
  view.readonly.push({ path, source });
  view.pins = pinsFor(view.readonly, view.rules);
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
