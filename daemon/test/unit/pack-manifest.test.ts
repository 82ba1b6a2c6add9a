// The manifest's hooks and skills: a skill's "install" names one of the allowed agents' skill
// directories and a plain name, never a path, so a pack cannot place a file anywhere else.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/packs/pack-manifest.js';
import { skillDestination } from '../../src/packs/skill-destinations.js';

const manifest = (extra: Record<string, unknown>): string =>
  JSON.stringify({ schema: 'nono-pack/1', namespace: 'acme', name: 'secure', version: '1.0.0', profile: 'profile.json', ...extra });

describe('a pack manifest', () => {
  it('reads pre-run hooks and skills, with or without an install destination', () => {
    const parsed = parseManifest(manifest({ hooks: [{ path: 'hooks/check.sh', event: 'pre-run' }], skills: [{ path: 'skills/a.md', install: 'claude:review' }, { path: 'skills/b.md' }] }), 'here');
    expect(parsed.hooks).toEqual([{ path: 'hooks/check.sh', event: 'pre-run' }]);
    expect(parsed.skills).toEqual([{ path: 'skills/a.md', install: 'claude:review' }, { path: 'skills/b.md' }]);
  });

  it.each(['claude:../bashrc', 'claude:a/b', 'vim:review', 'claude:', 'claude:Review', '/home/u/.bashrc', 7])('refuses the skill install %j in one line', (install) => {
    expect(() => parseManifest(manifest({ skills: [{ path: 'skills/a.md', install }] }), 'here')).toThrow(/has a skill skills\/a.md whose "install" is not "AGENT:NAME" with AGENT one of claude, codex/);
  });

  it('refuses a hook for another event', () => {
    expect(() => parseManifest(manifest({ hooks: [{ path: 'hooks/x.sh', event: 'post-run' }] }), 'here')).toThrow(/event other than "pre-run"/);
  });
});

describe('skill destinations', () => {
  it('are the agents\' own skill files under the caller\'s home', () => {
    expect(skillDestination('claude:review', '/home/u')).toBe('/home/u/.claude/skills/review/SKILL.md');
    expect(skillDestination('codex:lint-2', '/home/u')).toBe('/home/u/.codex/skills/lint-2/SKILL.md');
  });
});
