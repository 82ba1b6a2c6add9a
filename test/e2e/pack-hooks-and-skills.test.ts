// A pack's pre-run hooks and skills, pulled from a registry and used by a real daemon. Hooks run
// in the session's own sandbox: one exiting 0 lets the command go on (having seen its argv and
// cwd), one exiting 1 stops the run in one line, audited, before anything of the command ran,
// and a hook cannot write outside the session's grants. Skills are placed at their agent's
// skill directory, readable and not writable in the sandbox, never over a file of the user's.
// `--dry-run` lists both. With the view and on Landlock alone.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { runCli } from '../support/run-cli.js';
import { serveRegistry } from '../support/registry-server.js';

function hookedPacks(view: boolean): void {
  let world: TestWorld;
  let daemon: RunningDaemon | undefined;
  let keychain: SecretService | undefined;
  let server: ChildProcess | undefined;
  let url = '';
  const cli = (args: string[]) => runCli(args, world, { timeoutMs: 30_000 });
  const outside = () => join(world.root, 'outside-the-grants.txt');
  const packages = () => join(world.home, '.local', 'share', 'nono', 'packages');

  const skill = () => join(world.home, '.claude', 'skills', 'review', 'SKILL.md');
  const codexSkill = () => join(world.home, '.codex', 'skills', 'lint', 'SKILL.md');

  function packSource(name: string, hook: string): string {
    const dir = join(world.root, `src-${name}`);
    mkdirSync(join(dir, 'hooks'), { recursive: true });
    mkdirSync(join(dir, 'skills'), { recursive: true });
    writeFileSync(join(dir, 'skills', 'review.md'), '# Review\nRead the diff twice.\n');
    writeFileSync(join(dir, 'skills', 'lint.md'), '# Lint\n');
    const skills = name === 'gate' ? [{ path: 'skills/review.md', install: 'claude:review' }, { path: 'skills/lint.md', install: 'codex:lint' }] : [];
    const manifest = { schema: 'nono-pack/1', namespace: 'acme', name, version: '1.0.0', profile: 'profile.json', hooks: [{ path: 'hooks/check.sh', event: 'pre-run' }], skills };
    writeFileSync(join(dir, 'nono-pack.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'profile.json'), JSON.stringify({ extends: 'default', filesystem: { allow: ['$WORKDIR'] } }));
    writeFileSync(join(dir, 'hooks', 'check.sh'), `#!/bin/sh\n${hook}\n`);
    chmodSync(join(dir, 'hooks', 'check.sh'), 0o755);
    return dir;
  }

  beforeAll(async () => {
    world = createWorld();
    keychain = startSecretService(world.root);
    if (!keychain) throw new Error('gnome-keyring-daemon and dbus-daemon are needed (scripts/install-system-packages.sh installs them)');
    daemon = await startDaemon(world, { env: keychain.env, ...(view ? {} : { daemon: { helperFlags: ['--no-userns'] } }) });
    expect((await cli(['trust', 'keygen'])).code).toBe(0);
    const site = join(world.root, 'site');
    const sources = [
      packSource('gate', `echo "$PWD" > hook-saw.txt; echo "$@" >> hook-saw.txt; echo escaped > ${outside()} 2>/dev/null; exit 0`),
      packSource('stop', 'echo "first line" >&2; echo "branch main is protected" >&2; exit 1'),
    ];
    for (const source of sources) {
      const published = await cli(['pack', 'publish', source, '--to', site]);
      expect(published.code, published.stderr).toBe(0);
    }
    ({ child: server, url } = await serveRegistry(world, [site]));
    for (const pack of ['acme/gate', 'acme/stop']) {
      const pulled = await cli(['pull', pack, '--registry', url]);
      expect(pulled.code, pulled.stderr).toBe(0);
    }
  }, 60_000);

  afterAll(async () => {
    server?.kill('SIGINT');
    await daemon?.stop();
    keychain?.stop();
    world?.cleanup();
  });

  it('runs a passing hook in the sandbox with the command\'s argv and cwd, then the command', async () => {
    const ran = await cli(['run', '-p', 'acme/gate', '--', 'cat', 'file.txt']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('hello from the workdir\n');
    expect(readFileSync(join(world.work, 'hook-saw.txt'), 'utf8')).toBe(`${world.work}\ncat file.txt\n`);
    // Sandboxed: the hook's write outside the session's grants failed.
    expect(existsSync(outside())).toBe(false);
    const audit = JSON.parse((await cli(['audit', 'list', '--kind', 'pack.hook', '--json'])).stdout);
    expect(audit).toEqual([expect.objectContaining({ payload: expect.objectContaining({ pack: 'acme/gate@1.0.0', result: 'passed', code: 0 }) })]);
  });

  it('stops the run in one line, audited, when a hook exits non-zero: nothing of the command ran', async () => {
    rmSync(join(world.work, 'ran.txt'), { force: true });
    const stopped = await cli(['run', '-p', 'acme/stop', '--', 'touch', 'ran.txt']);
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr.trim().split('\n')).toHaveLength(1);
    expect(stopped.stderr).toContain(`pack acme/stop@1.0.0: pre-run hook ${join(packages(), 'acme', 'stop', '1.0.0', 'hooks', 'check.sh')} exited 1: branch main is protected; the command did not start`);
    expect(existsSync(join(world.work, 'ran.txt'))).toBe(false);
    const audit = JSON.parse((await cli(['audit', 'list', '--kind', 'pack.hook', '--json'])).stdout);
    expect(audit).toContainEqual(expect.objectContaining({ payload: expect.objectContaining({ pack: 'acme/stop@1.0.0', result: 'refused', code: 1 }) }));
  });

  it('lists the hooks in --dry-run, their pack version readable and the rest of the packs dir kept out', async () => {
    const dry = await cli(['run', '-p', 'acme/gate', '--dry-run', '--json', '--', 'true']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    const version = join(packages(), 'acme', 'gate', '1.0.0');
    expect(plan.preRun).toEqual([{ path: join(version, 'hooks', 'check.sh'), pack: 'acme/gate@1.0.0' }]);
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: version, access: 'read', source: 'pack acme/gate@1.0.0: its pre-run hooks' }));
    const text = await cli(['run', '-p', 'acme/gate', '--dry-run', '--', 'true']);
    expect(text.stdout).toContain('Pre-run hooks');
    expect(text.stdout).toContain(join(version, 'hooks', 'check.sh'));
    // The sandbox reads its own pack's hook, changes nothing there, and sees no other pack.
    const probe = await cli(['run', '-p', 'acme/gate', '--', 'sh', '-c', `cat ${join(version, 'hooks', 'check.sh')} >/dev/null && echo read; echo x > ${join(version, 'hooks', 'check.sh')} || echo unwritable; cat ${join(packages(), 'acme', 'stop', '1.0.0', 'nono-pack.json')} || echo hidden; cat ${join(packages(), 'packs.json')} || echo lockhidden`]);
    expect(probe.stdout.split('\n').filter(Boolean)).toEqual(['read', 'unwritable', 'hidden', 'lockhidden']);
  });

  it('places a skill at its agent\'s skill directory, readable and not writable in the sandbox, and lists it in --dry-run', async () => {
    const read = await cli(['run', '-p', 'acme/gate', '--', 'cat', skill()]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toBe('# Review\nRead the diff twice.\n');
    const write = await cli(['run', '-p', 'acme/gate', '--', 'sh', '-c', `echo changed > ${skill()}`]);
    expect(write.code).not.toBe(0);
    expect(readFileSync(skill(), 'utf8')).toBe('# Review\nRead the diff twice.\n');
    const plan = JSON.parse((await cli(['run', '-p', 'acme/gate', '--dry-run', '--json', '--', 'true'])).stdout);
    expect(plan.skills).toContainEqual({ pack: 'acme/gate@1.0.0', install: 'claude:review', from: join(packages(), 'acme', 'gate', '1.0.0', 'skills', 'review.md'), path: skill() });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: skill(), access: 'read', kind: 'file', source: 'pack acme/gate@1.0.0: skill claude:review' }));
    expect((await cli(['run', '-p', 'acme/gate', '--dry-run', '--', 'true'])).stdout).toContain('Skills');
    // Inside a writable grant of its agent's directory: read-only in the view; Landlock alone cannot, and says so.
    const granted = await cli(['run', '-p', 'acme/gate', '--allow', join(world.home, '.claude'), '--dry-run', '--json', '--', 'true']);
    const grantedPlan = JSON.parse(granted.stdout);
    if (view) {
      expect(grantedPlan.readonly).toContainEqual({ path: skill(), source: 'pack acme/gate@1.0.0: skill claude:review' });
      const inGrant = await cli(['run', '-p', 'acme/gate', '--allow', join(world.home, '.claude'), '--', 'sh', '-c', `echo changed > ${skill()}`]);
      expect(inGrant.code).not.toBe(0);
      expect(readFileSync(skill(), 'utf8')).toBe('# Review\nRead the diff twice.\n');
      // A first run with the whole home granted: placed after the view's home was planned, and still read-only.
      rmSync(join(world.home, '.claude'), { recursive: true, force: true });
      const home = await cli(['run', '-p', 'acme/gate', '--allow', world.home, '--', 'sh', '-c', `cat ${skill()} && echo changed > ${skill()}`]);
      expect(home.stdout).toBe('# Review\nRead the diff twice.\n');
      expect(home.code).not.toBe(0);
      expect(readFileSync(skill(), 'utf8')).toBe('# Review\nRead the diff twice.\n');
    } else {
      expect(grantedPlan.notes).toContainEqual(expect.stringContaining(`${skill()} stays writable`));
    }
  });

  it('never places a skill over a file the pack did not put there', async () => {
    rmSync(codexSkill(), { force: true });
    writeFileSync(codexSkill(), 'my own lint notes\n');
    const refused = await cli(['run', '-p', 'acme/gate', '--', 'true']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`skill codex:lint goes to ${codexSkill()}, where something else is`);
    expect(readFileSync(codexSkill(), 'utf8')).toBe('my own lint notes\n');
    rmSync(join(world.home, '.codex', 'skills', 'lint'), { recursive: true });
    // Nor through a link a sandbox could have left on the way.
    mkdirSync(join(world.root, 'elsewhere'), { recursive: true });
    symlinkSync(join(world.root, 'elsewhere'), join(world.home, '.codex', 'skills', 'lint'));
    const linked = await cli(['run', '-p', 'acme/gate', '--', 'true']);
    expect(linked.code).not.toBe(0);
    expect(linked.stderr).toContain('a link on the way');
    expect(existsSync(join(world.root, 'elsewhere', 'SKILL.md'))).toBe(false);
    rmSync(join(world.home, '.codex', 'skills', 'lint'));
  });
}

describe('pack pre-run hooks, with the view', () => {
  hookedPacks(true);
});

describe('pack pre-run hooks, on Landlock alone', () => {
  hookedPacks(false);
});
