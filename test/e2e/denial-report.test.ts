// After a run, nono names what the sandbox refused: paths a program failed on that the policy
// denies (an ungranted file is absent in the view, so "No such file" counts when the file
// exists outside), never paths that really do not exist; on a terminal it offers a draft
// profile allowing them, and never offers a protected path.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { openTerminal } from '../support/real-terminal.js';

const ctx = usePrivateDaemon();

describe('denial reports', () => {
  it('names refused paths after the run, with the rule, and not paths that do not exist', async () => {
    writeFileSync(join(ctx.world.home, 'notes.txt'), 'private notes\n');
    const script = `cat ${ctx.world.home}/notes.txt; echo x > ${ctx.world.home}/new.txt; cat /no/such/file; cat ${ctx.world.home}/.ssh/id_rsa; true`;
    const r = await runCli(['run', '--', 'sh', '-c', script], ctx.world);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`nono: the sandbox denied read of ${ctx.world.home}/notes.txt`);
    expect(r.stderr).toContain(`nono: the sandbox denied write of ${ctx.world.home}/new.txt`);
    expect(r.stderr).toMatch(new RegExp(`nono: the sandbox denied read of ${ctx.world.home}/\\.ssh/id_rsa: .*deny_credentials`));
    expect(r.stderr).not.toMatch(/denied read of \/no\/such\/file/);
    const json = await runCli(['run', '--json', '--', 'sh', '-c', script], ctx.world);
    expect(json.stderr).not.toMatch(/nono: the sandbox denied/);
  });

  it('on a terminal offers a draft profile with the grantable paths only', async () => {
    writeFileSync(join(ctx.world.home, 'config.ini'), 'x=1\n');
    const t = openTerminal(`${process.execPath} ${NONO_BIN} run -- sh -c 'cat ${ctx.world.home}/config.ini; cat ${ctx.world.home}/.ssh/id_rsa; true'`, ctx.world, { cols: 200, rows: 30 });
    await t.waitFor(/Write a draft profile default-draft/);
    t.type('y\r');
    expect(await t.exit).toBe(0);
    const draft = join(ctx.world.root, 'config', 'nono', 'profiles', 'default-draft.json');
    expect(existsSync(draft)).toBe(true);
    const profile = JSON.parse(readFileSync(draft, 'utf8')) as { extends: string; filesystem: { read: string[] } };
    expect(profile.extends).toBe('default');
    expect(profile.filesystem.read).toEqual([join(ctx.world.home, 'config.ini')]);
  });
});
