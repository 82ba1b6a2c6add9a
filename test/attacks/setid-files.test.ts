// A sandboxed command cannot leave a set-id file or a file capability in a directory it may
// write: such a file outlives the session, and whoever runs it on the host later runs as its
// owner (root when root ran nono). Every way tried here works unsandboxed (the controls), fails
// inside, as root and as an unprivileged user, in the view and on Landlock alone, and leaves no
// set-id bit and no capability behind. Ordinary modes still work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon, type TestDaemonOptions } from '../support/daemon-process.js';
import { PROBE_BIN, runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

type User = { uid: number; gid: number } | undefined;

interface Attack {
  name: string;
  /** Run with sh in an empty directory; $SETUID is a setuid binary the user owns, $PROBE the escape probe. */
  script: string;
  /** Only root can do it even unsandboxed. */
  rootOnly?: boolean;
  /** Start from a copy of the user's setuid binary named x in the directory. */
  startWithSetuidFile?: boolean;
  /** Inside, the call succeeds and the kernel drops the bit: only what is left counts. */
  bitDropped?: boolean;
}

const attacks: Attack[] = [
  { name: 'chmod u+s', script: 'cp /bin/true x && chmod u+s x' },
  { name: 'chmod 4755 from python', script: `cp /bin/true x && python3 -c 'import os; os.chmod("x", 0o4755)'` },
  { name: 'chmod g+s on a directory', script: 'mkdir d && chmod g+s d' },
  { name: 'open(O_CREAT, 04755)', script: `python3 -c 'import os; os.close(os.open("x", os.O_CREAT | os.O_WRONLY, 0o4755))'` },
  { name: 'open(O_TMPFILE, 02755) then link', script: `python3 -c 'import os; fd = os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o2755); os.link(f"/proc/self/fd/{fd}", "x", dst_dir_fd=os.open(".", os.O_RDONLY))'` },
  { name: 'cp -p of a setuid binary', script: 'cp -p "$SETUID" x' },
  { name: 'install -m 4755', script: 'install -m 4755 /bin/true x' },
  { name: 'fchmodat2 (raw syscall)', script: 'cp /bin/true x && "$PROBE" fchmodat2 x 4755' },
  { name: 'openat2 with mode 04755 (raw syscall)', script: '"$PROBE" openat2-create x 4755' },
  { name: 'mknod of a regular file with mode 02755', script: '"$PROBE" mknod-file x 2755' },
  { name: 'setcap cap_setuid+ep', script: 'cp /bin/true x && /usr/sbin/setcap cap_setuid+ep x', rootOnly: true },
  { name: 'a security.capability xattr (raw)', script: 'cp /bin/true x && "$PROBE" set-file-caps x', rootOnly: true },
  // The kernel clears the bit on a write unless the writer has CAP_FSETID (in the view, in the
  // host's user namespace, so only Landlock-alone mode could keep it).
  { name: 'overwriting a setuid file in place', script: 'cat /bin/true > x', rootOnly: true, startWithSetuidFile: true, bitDropped: true },
  // Not set-id, but as good: a device node anyone may open. Landlock never grants making one,
  // and root has no CAP_MKNOD inside either.
  { name: 'mknod of a device node', script: 'mknod -m 666 x c 1 3', rootOnly: true },
];

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

const slug = (name: string): string => name.replace(/[^a-z0-9]+/gi, '-');

/** What a host user would find: set-id files and directories, device nodes, files with capabilities. */
function leftovers(dir: string): string[] {
  const setid = execFileSync('find', [dir, '(', '-perm', '/6000', '-o', '-type', 'b', '-o', '-type', 'c', ')'], { encoding: 'utf8' }).trim();
  const caps = execFileSync('getcap', ['-r', dir], { encoding: 'utf8' }).trim();
  return [setid, caps].filter(Boolean);
}

function ownedDir(path: string, as: User): string {
  mkdirSync(path, { recursive: true });
  if (as) chownSync(path, as.uid, as.gid);
  return path;
}

/** An empty directory of the user's for one attack, or one holding only x, a setuid binary. */
function attackDir(path: string, attack: Attack, as: User, setuid: string): string {
  ownedDir(path, as);
  if (attack.startWithSetuidFile) {
    copyFileSync(setuid, join(path, 'x'));
    if (as) chownSync(join(path, 'x'), as.uid, as.gid);
    chmodSync(join(path, 'x'), 0o4755);
  }
  return path;
}

/** A world and daemon for one user, with a setuid binary of that user's in a read-granted dir. */
function useSetidWorld(who: (() => { uid: number; gid: number }) | undefined, daemon?: TestDaemonOptions) {
  const ctx = {} as { world: TestWorld; daemon: RunningDaemon; as: User; setuid: string };
  beforeAll(async () => {
    ctx.as = who?.();
    ctx.world = createWorld(ctx.as ? { owner: ctx.as } : {});
    ctx.setuid = join(ownedDir(join(ctx.world.root, 'bin'), ctx.as), 'setuid-true');
    copyFileSync('/bin/true', ctx.setuid);
    if (ctx.as) chownSync(ctx.setuid, ctx.as.uid, ctx.as.gid);
    chmodSync(ctx.setuid, 0o4755);
    ctx.daemon = await startDaemon(ctx.world, { ...(ctx.as ? { as: ctx.as } : {}), ...(daemon ? { daemon } : {}) });
  });
  afterAll(async () => {
    await ctx.daemon?.stop();
    ctx.world?.cleanup();
  });
  return ctx;
}

function inside(ctx: ReturnType<typeof useSetidWorld>, dir: string, script: string) {
  const args = ['run', '--allow-cwd', '--read', dirname(ctx.setuid), '--read', dirname(PROBE_BIN)];
  for (const command of ['chmod', 'cp', 'install', 'mkdir']) args.push('--allow-command', command);
  const options: CliOptions = { cwd: dir, env: { SETUID: ctx.setuid, PROBE: PROBE_BIN }, ...(ctx.as ? { as: ctx.as } : {}) };
  return runCli([...args, '--', 'sh', '-c', script], ctx.world, options);
}

describe.each(users)('set-id files as %s', (_label, who) => {
  const ctx = useSetidWorld(who);
  const applicable = attacks.filter((a) => !a.rootOnly || !who);

  it.each(applicable)('control: unsandboxed, $name leaves a set-id file or capability', (attack) => {
    const dir = attackDir(join(ctx.world.root, 'control', slug(attack.name)), attack, ctx.as, ctx.setuid);
    const asUser = ctx.as ? ['setpriv', `--reuid=${ctx.as.uid}`, `--regid=${ctx.as.gid}`, '--clear-groups', '--'] : [];
    const [command, ...args] = [...asUser, 'sh', '-c', attack.script];
    const run = spawnSync(command!, args, { cwd: dir, env: { ...ctx.world.env, SETUID: ctx.setuid, PROBE: PROBE_BIN }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(leftovers(dir)).not.toEqual([]);
  });

  it.each(applicable)('$name fails inside and leaves nothing set-id behind', async (attack) => {
    const dir = attackDir(join(ctx.world.work, slug(attack.name)), attack, ctx.as, ctx.setuid);
    const r = await inside(ctx, dir, attack.script);
    if (!attack.bitDropped) expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr, 'the attack must reach the kernel').not.toMatch(/not found|is blocked by/);
    expect(leftovers(dir)).toEqual([]);
  });

  it.runIf(who)('setcap fails inside too, though only root could do it anyway', async () => {
    const dir = ownedDir(join(ctx.world.work, 'setcap-any'), ctx.as);
    const r = await inside(ctx, dir, 'cp /bin/true x && /usr/sbin/setcap cap_setuid+ep x');
    expect(r.code).not.toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });

  it('ordinary modes still work: chmod +x, chmod 644, mkdir -m 755, install -m 755, cp -p of a plain binary', async () => {
    const dir = ownedDir(join(ctx.world.work, 'ordinary'), ctx.as);
    const r = await inside(ctx, dir, 'echo hi > s && chmod +x s && echo t > t && chmod 644 t && mkdir -m 755 d && install -m 755 /bin/true i && cp -p /bin/true c');
    expect(r.code, r.stderr).toBe(0);
    const mode = (name: string) => statSync(join(dir, name)).mode & 0o7777;
    expect(mode('s') & 0o100).toBe(0o100);
    expect(mode('t')).toBe(0o644);
    expect(mode('d')).toBe(0o755);
    expect(mode('i')).toBe(0o755);
    expect(mode('c')).toBe(0o755);
  });
});

// Root's capabilities here are the host's, so only the filter and the dropped capabilities stand
// between the command and a setuid-root file.
describe('set-id files as root on Landlock alone', () => {
  const ctx = useSetidWorld(undefined, { helperFlags: ['--no-userns'] });

  it.each(attacks)('$name fails and leaves nothing set-id behind', async (attack) => {
    const dir = attackDir(join(ctx.world.work, slug(attack.name)), attack, undefined, ctx.setuid);
    const r = await inside(ctx, dir, attack.script);
    if (!attack.bitDropped) expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr, 'the attack must reach the kernel').not.toMatch(/not found|is blocked by/);
    expect(leftovers(dir)).toEqual([]);
  });
});
