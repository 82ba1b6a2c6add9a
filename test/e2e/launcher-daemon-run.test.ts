// `nono run` served by the daemon itself on run.sock (native-helper/launcher/daemon-run.c,
// daemon/src/launch/launcher-runs.ts): no Node process starts, and what the user sees is what
// the Node client shows: the same output apart on stdout and stderr, stdin, exit status, the
// lines before and after a run, refusals, signals, a reader that goes away. What the daemon does
// not serve (a terminal to drive, --dry-run, a usage error) still runs, through a warm client.
// As root and as an unprivileged user; attacks on run.sock are in test/attacks/launcher.test.ts.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, NONO_LAUNCHER, runCli, runCommand } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';
import { signalOnceStarted } from '../support/signalled-run.js';
import { warmClients, warmClientWaiting } from '../support/warm-clients.js';
import { typeAcrossCtrlZ } from '../support/ctrl-z-round.js';
import { openTerminal } from '../support/real-terminal.js';

describe.each([
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser()],
] as const)('a nono run the daemon serves for the launcher, as %s', (_who, as) => {
  const ctx = usePrivateDaemon(as ? { world: { owner: as }, as } : {});
  const options = (extra: Parameters<typeof runCommand>[2] = {}) => ({ ...extra, ...(as ? { as } : {}) });
  const node = `${process.execPath} ${NONO_BIN}`;
  /** The same command line through the launcher and through the Node client, in a shell. */
  const both = async (line: string, extra: Parameters<typeof runCommand>[2] = {}) => {
    const launcher = await runCommand(['sh', '-c', `exec ${NONO_LAUNCHER} ${line}`], ctx.world, options(extra));
    const client = await runCommand(['sh', '-c', `exec ${node} ${line}`], ctx.world, options(extra));
    return { launcher, client };
  };

  it('runs with no Node client: arguments, environment, directory, stdin, stdout and stderr apart, exit status', async () => {
    const before = await warmClientWaiting(ctx.world, as);
    const sub = join(ctx.world.work, 'sub dir');
    mkdirSync(sub);
    if (as) await runCommand(['chown', `${as.uid}:${as.gid}`, sub], ctx.world);
    // `constructor`: a variable named like a member of every JavaScript object passes as any other.
    const script = `echo "foo=$FOO c=$constructor"; pwd; cat; echo "args:$#:$1"; echo to-stderr >&2; exit 7`;
    const env = { FOO: 'bar baz', constructor: 'made' };
    const { launcher, client } = await both(`run --allow-env FOO -- sh -c '${script}' sh 'two words'`, { cwd: sub, env, input: 'from stdin\n' });
    expect(launcher.stdout).toBe(`foo=bar baz c=made\n${sub}\nfrom stdin\nargs:1:two words\n`);
    expect(launcher.stderr).toContain('to-stderr\n');
    expect(launcher.code).toBe(7);
    expect([launcher.stdout, launcher.stderr, launcher.code]).toEqual([client.stdout, client.stderr, client.code]);
    // Neither run took a warm client: the launcher's was served by the daemon, the other was Node.
    expect((await warmClients(ctx.world, as)).served).toBe(before.served);
  });

  it('writes the lines the Node client writes before and after a run: withheld variables, file denials', async () => {
    writeFileSync(join(ctx.world.home, 'notes.txt'), 'private\n');
    const script = `cat ${ctx.world.home}/notes.txt; true`;
    const { launcher, client } = await both(`run -- sh -c '${script}'`, { env: { GITHUB_TOKEN: 'ghp_notreal' } });
    expect(launcher.stderr).toContain('nono: withheld from the sandbox (look like secrets): GITHUB_TOKEN');
    expect(launcher.stderr).toContain(`nono: the sandbox denied read of ${ctx.world.home}/notes.txt`);
    expect([launcher.stderr, launcher.code]).toEqual([client.stderr, client.code]);
    const json = await runCommand([NONO_LAUNCHER, 'run', '--json', '--', 'sh', '-c', script], ctx.world, options());
    expect(json.stderr).not.toMatch(/nono: the sandbox denied/);
  });

  it('a refusal is the Node client line and exit status; what the daemon does not serve runs through a warm client', async () => {
    const missing = await both('run -- no-such-command-here');
    expect(missing.launcher.code).toBe(127);
    expect([missing.launcher.stderr, missing.launcher.code]).toEqual([missing.client.stderr, missing.client.code]);
    const before = await warmClientWaiting(ctx.world, as);
    const dry = await both('run --dry-run -- true');
    expect(dry.launcher.stdout).toContain('true');
    expect([dry.launcher.stdout, dry.launcher.code]).toEqual([dry.client.stdout, dry.client.code]);
    const usage = await both('run --no-such-flag -- true');
    expect([usage.launcher.stderr, usage.launcher.code]).toEqual([usage.client.stderr, 125]);
    // NONO_SOCKET picks the Node client's daemon; spelled other than this daemon's own path, nonod leaves the run to it.
    const alias = join(ctx.world.root, 'socket-alias');
    symlinkSync(join(ctx.world.env.XDG_RUNTIME_DIR!, 'nono', 'nono.sock'), alias);
    const aliased = await runCommand([NONO_LAUNCHER, 'run', '--', 'echo', 'aliased'], ctx.world, options({ env: { NONO_SOCKET: alias } }));
    expect([aliased.stdout, aliased.code]).toEqual(['aliased\n', 0]);
    // The refusal's line (run-report), the dry run, the usage error and the aliased run each took a warm client.
    expect((await warmClientWaiting(ctx.world, as)).served).toBeGreaterThanOrEqual(before.served + 3);
  });

  it('passes SIGTERM on to the command (143), and the session ends with it', async () => {
    await warmClientWaiting(ctx.world, as);
    const argv = [NONO_LAUNCHER, 'run', '--name', 'direct-signalled', '--', 'sh', '-c', 'echo started; exec sleep 30'];
    const code = await signalOnceStarted(argv, ctx.world, as, 'SIGTERM');
    expect(code).toBe(143);
    const ps = await runCli(['ps', '--all'], ctx.world, options());
    expect(ps.stdout).not.toMatch(/direct-signalled .*running/);
  });

  it('a reader that goes away ends the launcher with 141, and a launcher killed mid-run hangs its session up', async () => {
    await warmClientWaiting(ctx.world, as);
    // Unnamed: a named session outlives its client on purpose (nono attach NAME).
    const piped = await runCommand(
      ['bash', '-c', `${NONO_LAUNCHER} run -- sh -c 'while :; do echo piped; done' | head -n 1; echo "status=\${PIPESTATUS[0]}"`],
      ctx.world,
      options(),
    );
    expect(piped.stdout).toBe('piped\nstatus=141\n');
    const killed = await runCommand(['bash', '-c', `${NONO_LAUNCHER} run -- sleep 31 & sleep 1.5; kill -9 $!; wait`], ctx.world, options());
    expect(killed.code).toBe(0);
    const deadline = Date.now() + 10_000;
    let ps = '';
    while (Date.now() < deadline) {
      ps = (await runCli(['ps', '--all'], ctx.world, options())).stdout;
      if (!/running .*(echo piped|sleep 31)/.test(ps)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ps).toMatch(/sleep 31/);
    expect(ps).not.toMatch(/running .*(echo piped|sleep 31)/);
  });
});

describe('a nono run the daemon serves, under job control', () => {
  const ctx = usePrivateDaemon();
  const typed = () => join(ctx.world.work, 'typed-direct');
  const contents = () => (existsSync(typed()) ? readFileSync(typed(), 'utf8') : '');

  it('Ctrl-Z stops the launcher, which reads the terminal itself: the shell keeps what is typed, fg resumes, kill %1 ends the session', async () => {
    const before = await warmClientWaiting(ctx.world);
    const t = openTerminal('exec bash --norc --noprofile -i', ctx.world, { cols: 160, rows: 30 });
    // stdout a pipe: not interactive, so the daemon serves it; stdin is the terminal, read by the launcher.
    expect(await typeAcrossCtrlZ(t, ctx.world, 'typed-direct')).toBe('first\nsecond\n');
    t.type(`${NONO_LAUNCHER} run -- sh -c 'echo started; exec sleep 1000' | cat\r`);
    await t.waitFor(/started/);
    t.type('\x1a');
    await t.waitFor(/Stopped/);
    t.type('kill %1; sleep 1; jobs; echo JOBS-LISTED\r');
    await t.waitFor(/JOBS-LISTED\r?\n/);
    // The TERM reaches the session once the job is continued; its end is looked for, not assumed within the shell's second.
    const running = async () => (JSON.parse((await runCli(['ps', '--json'], ctx.world)).stdout) as { state: string }[]).filter((row) => row.state === 'running');
    const deadline = Date.now() + 15_000;
    while ((await running()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await running()).toEqual([]);
    t.type('exit\r');
    await t.exit;
    expect(contents()).toBe('first\nsecond\n');
    expect((await warmClients(ctx.world)).served).toBe(before.served);
  });
});
