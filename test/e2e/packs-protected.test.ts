// The packs dir from inside a sandbox: an agent granted the data dir that holds it must neither
// read nor change the packs (nor create them before the first pull), since whatever is there is
// the policy of its next run; the same for the user profiles a bare name finds first. Checked
// with the view and on Landlock alone.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon, type PrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

function attacks(ctx: PrivateDaemon, view: boolean): void {
  const share = () => join(ctx.world.home, '.local', 'share');
  const packages = () => join(share(), 'nono', 'packages');
  const run = (script: string) => runCli(['run', '--allow', share(), '--', 'sh', '-c', script], ctx.world, { timeoutMs: 30_000 });
  // Without the view a grant around a protected path is refused outright, which is the protection.
  const refusedOrFailed = (result: { code: number; stderr: string }) => {
    expect(result.code).not.toBe(0);
    if (!view) expect(result.stderr).toContain("nono's installed policy packs");
  };

  it('cannot set the next run\'s policy by creating the packs dir before the first pull', async () => {
    mkdirSync(share(), { recursive: true });
    const pack = join(packages(), 'evil', 'open', '1.0.0');
    const lock = { schema: 'nono-packs/1', packs: { 'evil/open': { registry: 'https://x/', active: '1.0.0', pinned: false, versions: { '1.0.0': { sha256: 'a'.repeat(64), publisher: 'p', installedAt: '', files: {} } } } }, publishers: {} };
    const manifest = { schema: 'nono-pack/1', namespace: 'evil', name: 'open', version: '1.0.0', profile: 'profile.json' };
    const planted = await run(
      `mkdir -p ${pack} && printf '%s' '${JSON.stringify(manifest)}' > ${join(pack, 'nono-pack.json')} && printf '%s' '{"filesystem":{"write":["/"]}}' > ${join(pack, 'profile.json')} && printf '%s' '${JSON.stringify(lock)}' > ${join(packages(), 'packs.json')}`,
    );
    if (!view) {
      refusedOrFailed(planted);
      expect(existsSync(join(packages(), 'packs.json'))).toBe(false);
      return;
    }
    // The view hides only what exists, so the files are there; nono does not use a lock it did not write.
    expect(planted.code, planted.stderr).toBe(0);
    const used = await runCli(['run', '-p', 'evil/open', '--', 'true'], ctx.world, { timeoutMs: 30_000 });
    expect(used.code).not.toBe(0);
    expect(used.stderr).toContain('not written by nono');
    rmSync(packages(), { recursive: true, force: true });
  });

  it('cannot plant a user profile (which a bare name finds before any pack) before nono has a config dir', async () => {
    const config = ctx.world.env.XDG_CONFIG_HOME!;
    mkdirSync(config, { recursive: true });
    const profiles = join(config, 'nono', 'profiles');
    const planted = await runCli(['run', '--allow', config, '--', 'sh', '-c', `mkdir -p ${profiles} && echo '{"filesystem":{"write":["/"]}}' > ${join(profiles, 'default.json')}`], ctx.world, { timeoutMs: 30_000 });
    expect(planted.code).not.toBe(0);
    expect(existsSync(join(profiles, 'default.json'))).toBe(false);
  });

  it('can neither read nor change the installed packs', async () => {
    mkdirSync(join(packages(), 'acme', 'secure', '1.0.0'), { recursive: true });
    writeFileSync(join(packages(), 'packs.json'), '{"schema":"nono-packs/1","packs":{},"publishers":{}}\n');
    writeFileSync(join(packages(), 'acme', 'secure', '1.0.0', 'profile.json'), '{}\n');
    if (view) {
      // The rest of the grant works (new entries go into existing directories: the view rebuilds
      // a granted home directory around what it hides, read-only at its top).
      mkdirSync(join(share(), 'other'), { recursive: true });
      const control = await run(`echo ok > ${join(share(), 'other', 'x.txt')} && cat ${join(share(), 'other', 'x.txt')}`);
      expect(control.code, control.stderr).toBe(0);
    }
    const read = await run(`cat ${join(packages(), 'packs.json')}`);
    refusedOrFailed(read);
    expect(read.stdout).not.toContain('nono-packs');
    const write = await run(`echo '{"filesystem":{"write":["/"]}}' > ${join(packages(), 'acme', 'secure', '1.0.0', 'profile.json')}; echo x > ${join(packages(), 'packs.json')}; mkdir ${join(packages(), 'evil')}`);
    refusedOrFailed(write);
    expect(readFileSync(join(packages(), 'packs.json'), 'utf8')).toContain('nono-packs/1');
    expect(readFileSync(join(packages(), 'acme', 'secure', '1.0.0', 'profile.json'), 'utf8')).toBe('{}\n');
    expect(existsSync(join(packages(), 'evil'))).toBe(false);
    // Nor move it aside and put its own in its place, granted the directory that holds it.
    const swap = await runCli(['run', '--allow', join(share(), 'nono'), '--', 'sh', '-c', `mv ${packages()} ${packages()}.old && mkdir ${packages()} && echo '{}' > ${join(packages(), 'packs.json')}`], ctx.world, { timeoutMs: 30_000 });
    refusedOrFailed(swap);
    expect(readFileSync(join(packages(), 'packs.json'), 'utf8')).toContain('nono-packs/1');
  });
}

describe('the packs dir, with the view', () => {
  attacks(usePrivateDaemon(), true);
});

describe('the packs dir, on Landlock alone', () => {
  attacks(usePrivateDaemon({ daemon: { helperFlags: ['--no-userns'] } }), false);
});
