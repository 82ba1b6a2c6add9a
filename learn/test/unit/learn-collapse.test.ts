// From touched paths to proposed grants: parent stats dropped, files gathered into their
// directory by access, never into $HOME, symlinks resolved, misses kept apart and filtered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessLedger, Touch } from '../../src/access-ledger.js';
import { proposeGrants, type ProposalContext } from '../../src/grant-proposal.js';

let world: string;
let home: string;

beforeAll(() => {
  world = realpathSync(mkdtempSync('/var/tmp/nono-learn-collapse-'));
  home = join(world, 'home');
  for (const dir of ['home/.config/tool', 'proj/src', 'proj/out', 'bin', 'real']) mkdirSync(join(world, dir), { recursive: true });
  for (const file of ['home/.gitconfig', 'home/.npmrc', 'home/.profile', 'proj/src/a.ts', 'proj/src/b.ts', 'proj/src/c.ts', 'proj/src/d.ts', 'real/target.txt']) {
    writeFileSync(join(world, file), 'x');
  }
  symlinkSync(join(world, 'real', 'target.txt'), join(world, 'proj', 'link.txt'));
});
afterAll(() => rmSync(world, { recursive: true, force: true }));

function propose(touches: [string, number, string | null][], context: Partial<ProposalContext> = {}) {
  const ledger = new AccessLedger();
  for (const [path, touch, errno] of touches) ledger.record(join(world, path), touch, errno);
  const proposal = proposeGrants(ledger, { home, pathDirs: [join(world, 'bin')], existing: [], all: false, ...context });
  return { ...proposal, grants: proposal.paths.map((p) => `${p.access} ${p.kind} ${p.path.slice(world.length + 1)}`) };
}

describe('proposeGrants', () => {
  it('drops bare stats of directories above what was used', () => {
    expect(propose([['proj', Touch.META, null], ['proj/src', Touch.META, null], ['proj/src/a.ts', Touch.READ, null]]).grants).toEqual(['read file proj/src/a.ts']);
  });

  it('gathers files of one directory by access, leaving a written one on its own', () => {
    const { grants, paths } = propose([
      ['proj/src/a.ts', Touch.READ, null],
      ['proj/src/b.ts', Touch.READ, null],
      ['proj/src/c.ts', Touch.READ, null],
      ['proj/src/d.ts', Touch.WRITE, null],
    ]);
    expect(grants).toEqual(['read dir proj/src', 'write file proj/src/d.ts']);
    expect(paths[0]!.paths).toBe(3);
  });

  it('never gathers bare stats into their directory', () => {
    const stats: [string, number, string | null][] = ['a.ts', 'b.ts', 'c.ts'].map((f) => [`proj/src/${f}`, Touch.META, null]);
    expect(propose(stats).paths.map((p) => [p.path.slice(world.length + 1), p.statOnly])).toEqual([
      ['proj/src/a.ts', true],
      ['proj/src/b.ts', true],
      ['proj/src/c.ts', true],
    ]);
  });

  it('never gathers into the home directory or ~/.config', () => {
    const dotfiles: [string, number, string | null][] = ['.gitconfig', '.npmrc', '.profile'].map((f) => [`home/${f}`, Touch.READ, null]);
    expect(propose(dotfiles).grants).toEqual(['read file home/.gitconfig', 'read file home/.npmrc', 'read file home/.profile']);
  });

  it('makes a directory where entries were created read-write and folds what is inside into it', () => {
    expect(propose([['proj/out/new.js', Touch.ENTRY | Touch.WRITE, null], ['proj/out/tmp.js', Touch.ENTRY, null]]).grants).toEqual(['readwrite dir proj/out']);
  });

  it('makes the directory writable for a file O_CREAT made, but not for one that was there before', () => {
    const opened: [string, number, string | null][] = [['proj/out/log.txt', Touch.WRITE | Touch.MAY_CREATE, null]];
    writeFileSync(join(world, 'proj/out/log.txt'), 'old');
    expect(propose(opened, { startedAt: Date.now() + 60_000 }).grants).toEqual(['write file proj/out/log.txt']);
    expect(propose(opened, { startedAt: 0 }).grants).toEqual(['readwrite dir proj/out']);
  });

  it('keeps a file O_CREAT made in $HOME a file grant, and gives the directory write for one that is gone', () => {
    writeFileSync(join(home, '.tool.log'), 'new');
    expect(propose([['home/.tool.log', Touch.WRITE | Touch.MAY_CREATE, null]], { startedAt: 0 }).grants).toEqual(['write file home/.tool.log']);
    expect(propose([['proj/src/tmp.swp', Touch.WRITE | Touch.MAY_CREATE, null]], { startedAt: 0 }).grants).toEqual(['readwrite dir proj/src']);
  });

  it('grants the target of a symlink, as the sandbox resolves it', () => {
    expect(propose([['proj/link.txt', Touch.READ, null]]).grants).toEqual(['read file real/target.txt']);
  });

  it('drops what existing grants cover, and parent stats of existing grants', () => {
    const result = propose([['home', Touch.META, null], ['home/.config/tool', Touch.LIST, null], ['proj/src/a.ts', Touch.READ, null]], {
      existing: [{ path: join(home, '.config/tool'), access: 'read', kind: 'dir' }],
    });
    expect(result.grants).toEqual(['read file proj/src/a.ts']);
    expect(result.covered).toBe(1);
  });

  it('keeps misses apart: not granted, and not when on PATH, system, inside a grant, or found later', () => {
    const result = propose([
      ['home/.toolrc', Touch.READ, 'ENOENT'],
      ['bin/tool', Touch.META, 'ENOENT'],
      ['proj/src/missing.ts', Touch.READ, 'ENOENT'],
      ['proj/src/a.ts', Touch.LIST, null],
      ['proj/src', Touch.LIST, null],
      ['home/.config/tool/made', Touch.META, 'ENOENT'],
      ['home/.config/tool/made', Touch.ENTRY, null],
    ]);
    expect(result.missing).toEqual([join(home, '.toolrc')]);
    expect(result.grants).toEqual(['readwrite dir home/.config/tool', 'read dir proj/src']);
  });

  it('counts system paths, and lists them only with all', () => {
    const ledger = new AccessLedger();
    ledger.record('/etc/hostname', Touch.READ, null);
    ledger.record('/usr/bin/env', Touch.READ, null);
    const context = { home, pathDirs: [], existing: [] };
    expect(proposeGrants(ledger, { ...context, all: false })).toMatchObject({ paths: [], system: 2 });
    expect(proposeGrants(ledger, { ...context, all: true }).paths.map((p) => [p.path, p.system])).toEqual([
      ['/etc/hostname', true],
      ['/usr/bin/env', true],
    ]);
  });
});
