// Where a pack's skill may be installed: `AGENT:NAME`, one of a short list of agents' own skill
// directories under the caller's home, never a path the pack picks, so a pack cannot place a file
// anywhere else (a shell rc, a git hook) by calling it a skill.
import { join } from 'node:path';

const AGENT_SKILL_DIRS: Record<string, string> = {
  claude: '.claude/skills',
  codex: '.codex/skills',
};

const INSTALL = /^([a-z]+):([a-z0-9][a-z0-9_-]{0,63})$/;

export const SKILL_INSTALL_HINT = `"AGENT:NAME" with AGENT one of ${Object.keys(AGENT_SKILL_DIRS).join(', ')} and NAME of a-z 0-9 _ -`;

export function isSkillInstall(install: string): boolean {
  const match = INSTALL.exec(install);
  return match !== null && Object.hasOwn(AGENT_SKILL_DIRS, match[1]!);
}

/** `claude:review` → `HOME/.claude/skills/review/SKILL.md`; install must pass isSkillInstall. */
export function skillDestination(install: string, home: string): string {
  const [, agent, name] = INSTALL.exec(install)!;
  return join(home, AGENT_SKILL_DIRS[agent!]!, name!, 'SKILL.md');
}
