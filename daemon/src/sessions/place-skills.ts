// Copies the skills a plan lists from the installed pack to their agents' skill directories,
// read-only (0444), before the sandbox starts. A file already there is replaced only when it is
// this skill from another installed version of the same pack (an update); anything else there
// is the user's, and the run is refused rather than overwrite it.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NonoError, type SandboxPlan } from '@nono/shared';

export function placeSkills(plan: SandboxPlan): void {
  for (const skill of plan.skills ?? []) {
    const content = readFileSync(skill.from);
    const existing = lstatSync(skill.path, { throwIfNoEntry: false });
    if (existing) {
      const current = existing.isFile() ? readFileSync(skill.path) : undefined;
      if (current?.equals(content)) continue;
      if (!current || !earlierVersions(skill).some((file) => readFileSync(file).equals(current))) {
        throw new NonoError(
          'PACK_SKILL_CONFLICT',
          `pack ${skill.pack}: skill ${skill.install} goes to ${skill.path}, where something else is; move it aside to let the pack place its skill`,
          { pack: skill.pack, path: skill.path },
        );
      }
    }
    mkdirSync(dirname(skill.path), { recursive: true, mode: 0o755 });
    const staged = `${skill.path}.nono-${process.pid}`;
    writeFileSync(staged, content, { mode: 0o444, flag: 'wx' });
    renameSync(staged, skill.path);
  }
}

/** The same skill file in the pack's other installed versions, which a placed copy may still be. */
function earlierVersions(skill: NonNullable<SandboxPlan['skills']>[number]): string[] {
  const [id, version] = skill.pack.split('@') as [string, string];
  const marker = `/${id}/${version}/`;
  const at = skill.from.lastIndexOf(marker);
  if (at === -1) return [];
  const packDir = skill.from.slice(0, at + id.length + 1);
  const relative = skill.from.slice(at + marker.length);
  return readdirSync(packDir)
    .filter((other) => other !== version)
    .map((other) => join(packDir, other, relative))
    .filter((file) => existsSync(file));
}
