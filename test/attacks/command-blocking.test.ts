// Command blocking and delete protection. dangerous_commands refuses the command nono launches
// (`nono run -- rm -rf /`) and nothing is deleted, while the agent's own rm, chmod and a
// build's `make clean` work; system_admin_commands covers sudo and mkfs* in the view, so no
// process at any depth runs them. A no-delete grant writes and appends but never unlinks,
// renames over or truncates. As root and unprivileged.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

/** ext2/3/4 keep the magic 0xEF53 at byte 1080 of the image: there only if mkfs ran. */
const formatted = (image: string): boolean => readFileSync(image).readUInt16LE(1080) === 0xef53;

describe.each(users)('command blocking and no-delete as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  const dir = () => join(world.work, 'guarded');
  // A sudo that would escalate if it ran: it leaves a mark, so a run that reaches it shows.
  const bin = () => join(world.root, 'bin');
  const env = () => ({ PATH: `${bin()}:/usr/local/bin:/usr/bin:/bin:/usr/sbin` });
  const user = () => ({ cwd: dir(), env: env(), ...(as ? { as } : {}) });
  const launch = (args: string[], argv: string[]) => runCli(['run', ...args, '--', ...argv], world, user());
  const run = (args: string[], script: string) => launch(args, ['sh', '-c', script]);
  const own = (path: string): void => {
    if (as) chownSync(path, as.uid, as.gid);
  };
  const seed = (name: string, text: string): void => {
    writeFileSync(join(dir(), name), text);
    own(join(dir(), name));
  };

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    mkdirSync(bin());
    chmodSync(bin(), 0o755);
    writeFileSync(join(bin(), 'sudo'), '#!/bin/sh\necho ESCALATED\ntouch "$PWD/escalated"\n', { mode: 0o755 });
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });
  beforeEach(() => {
    rmSync(dir(), { recursive: true, force: true });
    mkdirSync(dir());
    own(dir());
    seed('precious.txt', 'keep me\n');
  });

  it('refuses to launch rm however it is named (126, one line naming --allow-command rm), and nothing is deleted', async () => {
    symlinkSync('/usr/bin/rm', join(dir(), 'del'));
    for (const argv of [['rm', '-rf', '/'], ['rm', 'precious.txt'], ['/usr/bin/rm', 'precious.txt'], ['env', 'FOO=1', 'rm', 'precious.txt'], ['nice', '-n', '5', 'rm', 'precious.txt'], ['timeout', '5', 'rm', 'precious.txt'], ['./del', 'precious.txt']]) {
      const r = await launch(['--allow-cwd'], argv);
      const what = argv.join(' ');
      expect(r.code, what).toBe(126);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(r.stderr, what).toMatch(/rm\)? is blocked by dangerous_commands .*--allow-command rm/);
      expect(readFileSync(join(dir(), 'precious.txt'), 'utf8'), what).toBe('keep me\n');
    }
    expect(existsSync('/usr/bin/rm')).toBe(true);
  });

  it("lets what the agent runs use rm, chmod, kill and a Makefile's clean target", async () => {
    seed('Makefile', 'build:\n\techo built > out.o\nclean:\n\trm -f out.o\n');
    seed('out.o', 'object\n');
    seed('x.sh', '#!/bin/sh\necho ran x\n');
    const r = await run(['--allow-cwd'], 'f=$(mktemp) && rm "$f" && test ! -e "$f" && chmod +x x.sh && ./x.sh || exit 1; sleep 30 & /usr/bin/kill $! || exit 2; make clean && echo cleaned');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cleaned/);
    expect(existsSync(join(dir(), 'out.o'))).toBe(false);
    expect(statSync(join(dir(), 'x.sh')).mode & 0o111).not.toBe(0);
    const script = await run(['--allow-cwd'], 'rm precious.txt && echo deleted');
    expect(script.stdout, script.stderr).toMatch(/deleted/);
    expect(existsSync(join(dir(), 'precious.txt'))).toBe(false);
  });

  it('stops sudo and mkfs.ext4 at every depth of the process tree, leaving no trace', async () => {
    seed('disk.img', '');
    writeFileSync(join(dir(), 'disk.img'), Buffer.alloc(4 * 1024 * 1024));
    const grants = ['--allow-cwd', '--read', bin()];
    for (const argv of [['sudo', 'id'], [join(bin(), 'sudo')], ['env', 'sudo', 'id'], ['/usr/sbin/mkfs.ext4', '-F', 'disk.img'], ['mkfs.ext4', '-F', 'disk.img']]) {
      const r = await launch(grants, argv);
      expect(r.code, argv.join(' ')).toBe(126);
      expect(r.stderr, argv.join(' ')).toMatch(/is blocked by system_admin_commands for every process/);
    }
    const deep = [
      'sudo touch pwned',
      `${bin()}/sudo`,
      'sh -c "env sudo id"',
      'python3 -c "import subprocess; subprocess.run([\'sudo\', \'id\'])"',
      `cp ${bin()}/sudo ./s && ./s`,
      'mkfs.ext4 -F disk.img',
      '/usr/sbin/mkfs.ext4 -F disk.img',
      'sh -c "sh -c \'/usr/sbin/mke2fs -F disk.img\'"',
      'python3 -c "import os; os.execv(\'/usr/sbin/mkfs.ext4\', [\'mkfs.ext4\', \'-F\', \'disk.img\'])"',
    ];
    for (const script of deep) {
      const r = await run(grants, script);
      expect(r.stdout, script).not.toMatch(/ESCALATED/);
      expect(r.stderr, script).toMatch(/nono: (sudo|mke2fs) is blocked by system_admin_commands \(allow with --allow-command (sudo|mke2fs)\)/);
      expect(existsSync(join(dir(), 'escalated')), script).toBe(false);
      expect(formatted(join(dir(), 'disk.img')), script).toBe(false);
    }
    // The same commands do run when lifted, so the refusals above are the blocking's.
    const lifted = await run([...grants, '--allow-command', 'sudo', '--allow-command', 'mkfs.ext4'], 'sudo; /usr/sbin/mkfs.ext4 -q -F disk.img');
    expect(lifted.stdout, lifted.stderr).toMatch(/ESCALATED/);
    expect(formatted(join(dir(), 'disk.img'))).toBe(true);
  });

  it('lets rm launch with --allow-command rm, and blocks more everywhere with --block-command', async () => {
    const allowed = await launch(['--allow-cwd', '--allow-command', 'rm'], ['rm', 'precious.txt']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(existsSync(join(dir(), 'precious.txt'))).toBe(false);
    const extra = await run(['--allow-cwd', '--block-command', 'cat'], 'cat /etc/hostname');
    expect(extra.code).toBe(126);
    expect(extra.stderr).toMatch(/nono: cat is blocked by --block-command/);
  });

  it('nono why --command says which reach applies, and which group', async () => {
    const why = async (args: string[]) => JSON.parse((await runCli(['why', '--json', ...args], world, as ? { as } : {})).stdout);
    expect(await why(['--command', 'rm'])).toMatchObject({ status: 'BLOCKED', group: 'dangerous_commands', scope: 'launch' });
    expect(await why(['--command', 'sudo'])).toMatchObject({ status: 'BLOCKED', group: 'system_admin_commands', scope: 'everywhere' });
    expect(await why(['--command', 'mkfs.ext4'])).toMatchObject({ status: 'BLOCKED', group: 'system_admin_commands', scope: 'everywhere' });
    expect((await why(['--command', 'rm', '--allow-command', 'rm'])).status).toBe('ALLOWED');
    expect(await why(['--command', 'cat', '--block-command', 'cat'])).toMatchObject({ status: 'BLOCKED', group: null, scope: 'everywhere' });
    const groups = JSON.parse((await runCli(['policy', 'groups', 'system_admin_commands', '--json'], world, as ? { as } : {})).stdout);
    expect(groups[0].commands.block_commands).toEqual(expect.arrayContaining(['sudo', 'mkfs*', 'mount', 'shutdown']));
  });

  it('under --allow-no-delete writes and appends work; rm, unlink(), rename over a file and truncate fail', async () => {
    seed('log.txt', 'one\n');
    const ok = await run(['--allow-no-delete', dir()], 'echo two >> log.txt && echo new > fresh.txt && mkdir sub && echo wrote');
    expect(ok.stdout, ok.stderr).toMatch(/wrote/);
    expect(readFileSync(join(dir(), 'log.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(readFileSync(join(dir(), 'fresh.txt'), 'utf8')).toBe('new\n');

    const attacks = [
      ['rm', 'rm -f precious.txt'],
      ['unlink()', 'python3 -c "import os; os.unlink(\'precious.txt\')"'],
      ['rename over', 'mv fresh.txt precious.txt'],
      ['truncate by O_TRUNC', 'echo gone > precious.txt'],
      ['truncate()', 'python3 -c "import os; os.truncate(\'precious.txt\', 0)"'],
      ['rmdir', 'rmdir sub'],
    ];
    for (const [what, script] of attacks) {
      const r = await run(['--allow-no-delete', dir()], script!);
      expect(r.code, what).not.toBe(0);
      expect(readFileSync(join(dir(), 'precious.txt'), 'utf8'), what).toBe('keep me\n');
    }
    expect(existsSync(join(dir(), 'sub'))).toBe(true);
  });

  it('a profile including unlink_protection keeps every writable grant from deleting', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'careful.json'), JSON.stringify({ extends: 'default', groups: { include: ['unlink_protection'] }, workdir: { access: 'readwrite' } }));
    if (as) for (const path of [join(world.root, 'config'), join(world.root, 'config', 'nono'), profiles, join(profiles, 'careful.json')]) chownSync(path, as.uid, as.gid);
    const r = await run(['-p', 'careful', '--workdir', dir()], 'echo added >> precious.txt; rm precious.txt || echo refused');
    expect(r.stdout).toMatch(/refused/);
    expect(readFileSync(join(dir(), 'precious.txt'), 'utf8')).toBe('keep me\nadded\n');
  });

  // Landlock adds rights down the tree: a no-delete grant inside a wider writable one would run
  // with rm allowed. Every way of asking for that is refused before anything runs.
  it('refuses a no-delete grant inside a wider writable grant, naming both, and rm never runs', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'nested.json'), JSON.stringify({ extends: 'default', filesystem: { allow: [world.work], no_delete: [dir()] } }));
    writeFileSync(join(profiles, 'nested-workdir.json'), JSON.stringify({ extends: 'default', workdir: { access: 'readwrite-nodelete' } }));
    const npmPackage = join(world.home, '.npm', 'pkg');
    mkdirSync(npmPackage, { recursive: true });
    writeFileSync(join(npmPackage, 'precious.txt'), 'keep me\n');
    if (as) for (const path of [join(world.root, 'config'), join(world.root, 'config', 'nono'), profiles, join(profiles, 'nested.json'), join(profiles, 'nested-workdir.json'), join(world.home, '.npm'), npmPackage, join(npmPackage, 'precious.txt')]) chownSync(path, as.uid, as.gid);
    const attempts: [string, string[], RegExp, string][] = [
      ['--allow-no-delete in --allow', ['--allow', world.work, '--allow-no-delete', dir()], new RegExp(`--allow-no-delete ${dir()}: ${world.work} \\(--allow\\) lets the sandbox delete there.*; drop that grant, or make it write-without-delete too`), dir()],
      ['filesystem.no_delete in filesystem.allow', ['-p', 'nested'], new RegExp(`profile nested: filesystem.no_delete ${dir()}: ${world.work} \\(profile nested: filesystem.allow\\)`), dir()],
      ['workdir.access readwrite-nodelete in --allow', ['-p', 'nested-workdir', '--workdir', dir(), '--allow', world.work], new RegExp(`profile nested-workdir: workdir.access ${dir()}: ${world.work} \\(--allow\\)`), dir()],
      ['--allow-no-delete in a group\'s grant', ['-p', 'node-dev', '--allow-no-delete', npmPackage], new RegExp(`--allow-no-delete ${npmPackage}: ${join(world.home, '.npm')} \\(group node_runtime\\).*exclude group node_runtime in the profile \\(groups.exclude\\)`), npmPackage],
    ];
    for (const [what, args, message, target] of attempts) {
      const marker = join(target, 'ran');
      const r = await runCli(['run', ...args, '--allow-command', 'rm', '--', 'sh', '-c', `touch ${marker}; rm -f precious.txt`], world, { cwd: target, ...(as ? { as } : {}) });
      expect(r.code, what).toBe(125);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(existsSync(marker), what).toBe(false);
      expect(readFileSync(join(target, 'precious.txt'), 'utf8'), what).toBe('keep me\n');
      const json = await runCli(['run', ...args, '--json', '--', 'true'], world, { cwd: target, ...(as ? { as } : {}) });
      expect(json.stdout + json.stderr, what).toMatch(/NO_DELETE_OVERRIDDEN/);
    }
    // The same path granted both ways is simply write-without-delete.
    const same = await run(['--allow', dir(), '--allow-no-delete', dir(), '--allow-command', 'rm'], 'rm -f precious.txt || echo refused');
    expect(same.stdout).toMatch(/refused/);
    expect(readFileSync(join(dir(), 'precious.txt'), 'utf8')).toBe('keep me\n');
  });
});
