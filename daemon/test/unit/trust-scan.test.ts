// Which files a trust check covers: the include globs, minus .gitignore'd paths and heavy
// directories, with bundle sidecars left out and symlinks followed without looping.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanInstructionFiles } from '../../src/trust/instruction-scan.js';
import { DEFAULT_INCLUDE } from '../../src/trust/trust-policy.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync('/var/tmp/nono-trust-scan-');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function files(...paths: string[]): void {
  for (const path of paths) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), `# ${path}\n`);
  }
}

describe('instruction file scan', () => {
  it('finds the default instruction files and nothing else', async () => {
    files('CLAUDE.md', 'AGENTS.md', 'GEMINI.md', 'SKILLS-review.md', 'README.md', '.claude/commands/deploy.md', '.claude/settings.json', '.cursor/rules/ts.mdc', 'src/CLAUDE.md');
    expect(await scanInstructionFiles(work, DEFAULT_INCLUDE)).toEqual(['.claude/commands/deploy.md', '.cursor/rules/ts.mdc', 'AGENTS.md', 'CLAUDE.md', 'GEMINI.md', 'SKILLS-review.md']);
  });

  it('walks the tree for ** globs but skips node_modules, .git and the other heavy dirs', async () => {
    files('CLAUDE.md', 'pkg/a/CLAUDE.md', 'node_modules/x/CLAUDE.md', '.git/CLAUDE.md', 'target/CLAUDE.md', 'dist/CLAUDE.md', 'build/CLAUDE.md', '.venv/CLAUDE.md', '__pycache__/CLAUDE.md', '.cache/CLAUDE.md');
    expect(await scanInstructionFiles(work, ['**/CLAUDE.md'])).toEqual(['CLAUDE.md', 'pkg/a/CLAUDE.md']);
  });

  it('enters a heavy dir only when an include names it literally', async () => {
    files('.cache/agents/review.md', '.cache/other/x.md');
    expect(await scanInstructionFiles(work, ['.cache/agents/*.md'])).toEqual(['.cache/agents/review.md']);
    expect(await scanInstructionFiles(work, ['*/agents/*.md'])).toEqual([]);
  });

  it('respects .gitignore at the root and below, with negation', async () => {
    files('.gitignore', 'CLAUDE.md', 'tmp/CLAUDE.md', 'docs/CLAUDE.md', 'docs/.gitignore', 'docs/draft/CLAUDE.md', 'docs/keep/CLAUDE.md', 'docs/AGENTS.md');
    writeFileSync(join(work, '.gitignore'), 'tmp/\n/AGENTS.md\n');
    writeFileSync(join(work, 'docs/.gitignore'), 'draft/\nAGENTS.md\n');
    expect(await scanInstructionFiles(work, ['**/CLAUDE.md', '**/AGENTS.md'])).toEqual(['CLAUDE.md', 'docs/CLAUDE.md', 'docs/keep/CLAUDE.md']);
    writeFileSync(join(work, 'docs/.gitignore'), '*.md\n!CLAUDE.md\n');
    expect(await scanInstructionFiles(work, ['**/CLAUDE.md', '**/AGENTS.md'])).toEqual(['CLAUDE.md', 'docs/CLAUDE.md', 'docs/draft/CLAUDE.md', 'docs/keep/CLAUDE.md']);
  });

  it('leaves out bundle sidecars but checks a bundle with no file beside it', async () => {
    files('.cursor/rules/a.mdc', '.cursor/rules/a.mdc.bundle', '.cursor/rules/orphan.bundle', 'CLAUDE.md', 'CLAUDE.md.bundle');
    expect(await scanInstructionFiles(work, DEFAULT_INCLUDE)).toEqual(['.cursor/rules/a.mdc', '.cursor/rules/orphan.bundle', 'CLAUDE.md']);
  });

  it('matches names in any case and follows symlinked files and directories', async () => {
    files('claude.md', 'elsewhere/commands/x.md', 'target.md');
    symlinkSync(join(work, 'target.md'), join(work, 'AGENTS.md'));
    symlinkSync(join(work, 'elsewhere'), join(work, '.claude'));
    expect(await scanInstructionFiles(work, DEFAULT_INCLUDE)).toEqual(['.claude/commands/x.md', 'AGENTS.md', 'claude.md']);
  });

  it('does not loop on a directory linked back up the tree', async () => {
    files('a/CLAUDE.md', 'b/CLAUDE.md');
    symlinkSync(work, join(work, 'a', 'up'));
    symlinkSync(join(work, 'a'), join(work, 'b', 'to-a'));
    symlinkSync(join(work, 'b'), join(work, 'a', 'to-b'));
    expect(await scanInstructionFiles(work, ['**/CLAUDE.md'])).toEqual(['a/CLAUDE.md', 'a/to-b/CLAUDE.md', 'b/CLAUDE.md', 'b/to-a/CLAUDE.md']);
  });

  it('names a missing workdir', async () => {
    await expect(scanInstructionFiles(join(work, 'nope'), DEFAULT_INCLUDE)).rejects.toMatchObject({ kind: 'PATH_NOT_FOUND', message: expect.stringContaining('nope') });
  });
});
