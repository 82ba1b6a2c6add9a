// nonod writing a session's output to the client's terminal itself (directOutput), and reading
// the keys there (directInput), as tmux's server does, through a real PTY, as root and as an
// unprivileged user: the output comes after what the client wrote before it said ready, the
// client is sent none of it, and everything else the client hears (the exit) comes after the
// output it follows. A terminal that stops reading never blocks nonod, and one that hangs up
// never takes it down. A client whose stdout is not a terminal is sent the output as before.
// `nono attach` (the Node client and the launcher's warm client) types through nonod, detaches
// on Ctrl-] d, and while its job is stopped nonod reads none of the keys typed meanwhile (they
// stay in the terminal for the shell).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nono/client';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { openTerminal } from '../support/real-terminal.js';
import { NONO_BIN, NONO_LAUNCHER, REPO, runCli } from '../support/run-cli.js';
import { warmClientWaiting } from '../support/warm-clients.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const CLIENT = `${process.execPath} ${join(REPO, 'test/support/direct-output-client.mjs')}`;
const isRoot = process.getuid?.() === 0;
const user = isRoot ? unprivilegedUser() : undefined;

/** Until the client has put its terminal in raw mode: before that, the terminal echoes keys itself. */
async function waitRaw(t: ReturnType<typeof openTerminal>, stty: (t: ReturnType<typeof openTerminal>) => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!/(^|\s)-icanon(\s|$)/.test(stty(t))) {
    if (Date.now() > deadline) throw new Error(`the client never set raw mode; got ${JSON.stringify(t.output().slice(-300))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Positions of each needle in text, in order; -1 for one missing. */
const positions = (text: string, ...needles: string[]): number[] => needles.map((n) => text.indexOf(n));

describe.each([['as root', undefined], ...(user ? [['as an unprivileged user', user] as const] : [])])('direct output (%s)', (_name, as) => {
  const ctx = usePrivateDaemon(as ? { world: { owner: as }, as } : {});
  const cli = (args: string[]) => runCli(args, ctx.world, { as });
  const start = async (name: string, script: string): Promise<void> => {
    const started = await cli(['run', '--name', name, '--detached', '--', 'sh', '-c', script]);
    expect(started.code, started.stderr).toBe(0);
  };

  it("writes the screen and the output to the client's terminal after the client's own lines, and the exit after both", async () => {
    await start('direct-order', 'echo WAITING; read x; seq 1 3000; echo LAST-LINE');
    const t = openTerminal(`${CLIENT} direct-order; echo "mode:$(stty -a | tr -s ' ;' '  ')"`, ctx.world, undefined, as ? { as } : {});
    try {
      await t.waitFor(/EXIT outputs=\d+/, 20_000);
      const out = t.output();
      expect(out).toContain('direct=true');
      const [direct, before, waiting, last, exit] = positions(out, 'direct=true', 'BEFORE-READY', 'WAITING', 'LAST-LINE', 'EXIT outputs=0');
      expect(direct).toBeGreaterThanOrEqual(0);
      expect(before).toBeGreaterThan(direct);
      expect(waiting).toBeGreaterThan(before);
      expect(last).toBeGreaterThan(waiting);
      expect(exit).toBeGreaterThan(last);
      // Byte for byte: while nonod writes, the terminal adds nothing (OPOST off, as under tmux)...
      expect(out).toContain('\r\n2999\r\n3000\r\n');
      // ...and once the client has left, it processes output as before.
      await t.waitFor(/mode:[\s\S]*opost/, 20_000);
      expect(t.output()).toMatch(/mode:[\s\S]*\sopost\s/);
      // Once the session has ended, nonod keeps nothing of the terminal open.
      await t.exit;
      const pts = (t.term as unknown as { ptsName: string }).ptsName;
      const daemonPid = JSON.parse((await cli(['daemon', 'status', '--json'])).stdout).pid as number;
      const held = readdirSync(`/proc/${daemonPid}/fd`).filter((fd) => {
        try {
          // The terminal has closed by now: the kernel shows a link to it as "(deleted)".
          return readlinkSync(`/proc/${daemonPid}/fd/${fd}`).replace(/ \(deleted\)$/, '') === pts;
        } catch {
          return false;
        }
      });
      expect(held).toEqual([]);
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('keeps serving while the terminal reads nothing, and shows the end once it reads again', async () => {
    await start('direct-stuck', 'read x; i=0; while [ $i -lt 40 ]; do seq 1 20000; i=$((i+1)); done; echo LAST-LINE');
    const t = openTerminal(`${CLIENT} direct-stuck`, ctx.world, undefined, as ? { as } : {});
    try {
      await t.waitFor(/BEFORE-READY/, 20_000);
      t.term.pause();
      // The session writes ~4.5 MB into a terminal nobody reads; nonod must answer all the while.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const ps = await cli(['ps', '--json']);
      expect(ps.code, ps.stderr).toBe(0);
      expect(JSON.parse(ps.stdout).map((s: { name: string }) => s.name)).toContain('direct-stuck');
      t.term.resume();
      await t.waitFor(/EXIT outputs=0/, 60_000);
      const out = t.output();
      expect(out.lastIndexOf('LAST-LINE')).toBeGreaterThan(0);
      expect(out.lastIndexOf('LAST-LINE')).toBeLessThan(out.indexOf('EXIT outputs=0'));
    } finally {
      t.term.kill();
    }
  }, 90_000);

  // The helper cannot start (here: its spec file cannot be written, the runtime dir read-only):
  // the caller hears SPAWN_FAILED, and the terminal nonod took for the run is let go at once.
  it.skipIf(!isRoot)('lets go of the terminal when the run fails to start', async () => {
    const runtimeDir = join(ctx.world.env.XDG_RUNTIME_DIR!, 'nono');
    const daemonPid = JSON.parse((await cli(['daemon', 'status', '--json'])).stdout).pid as number;
    execFileSync('mount', ['--bind', '-o', 'ro', runtimeDir, runtimeDir]);
    let t: ReturnType<typeof openTerminal> | undefined;
    try {
      t = openTerminal(`${CLIENT} - run`, ctx.world, undefined, as ? { as } : {});
      await t.waitFor(/FAILED \w+|RAN/, 20_000);
      expect(t.output().replace(/\s+/g, ' ')).toContain('FAILED SPAWN_FAILED');
      const pts = (t.term as unknown as { ptsName: string }).ptsName;
      // The client is still connected: nothing but the failure can have let the terminal go.
      const held = readdirSync(`/proc/${daemonPid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${daemonPid}/fd/${fd}`) === pts;
        } catch {
          return false;
        }
      });
      expect(held).toEqual([]);
    } finally {
      execFileSync('umount', [runtimeDir]);
      t?.term.kill();
    }
  }, 60_000);

  it('survives a terminal that hangs up while it is written to; the session goes on', async () => {
    await start('direct-hangup', 'read x; while :; do seq 1 1000; done');
    const t = openTerminal(`${CLIENT} direct-hangup`, ctx.world, undefined, as ? { as } : {});
    await t.waitFor(/BEFORE-READY/, 20_000);
    await t.waitFor(/1000\r+\n/, 20_000);
    t.term.kill('SIGKILL');
    await t.exit;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const status = await cli(['daemon', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const ps = JSON.parse((await cli(['ps', '--json'])).stdout);
    expect(ps.find((s: { name: string }) => s.name === 'direct-hangup')?.state).toBe('running');
    expect((await cli(['stop', 'direct-hangup', '--force'])).code).toBe(0);
  }, 60_000);

  it('answers a client that detaches before its terminal was ready, and writes none of what it held', async () => {
    await start('direct-leave', 'echo HELD-FOR-NOBODY; exec sleep 30');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t = openTerminal(`${CLIENT} direct-leave leave`, ctx.world, undefined, as ? { as } : {});
    try {
      await t.waitFor(/LEFT/, 20_000);
      expect(t.output()).toContain('direct=true');
      expect(t.output()).not.toContain('HELD-FOR-NOBODY');
    } finally {
      t.term.kill();
      await cli(['stop', 'direct-leave', '--force']);
    }
  }, 60_000);

  it('sends the output to a client whose stdout is not a terminal, as before', async () => {
    await start('direct-pipe', 'echo WAITING; read x; echo LAST-LINE');
    const child = spawn(process.execPath, [join(REPO, 'test/support/direct-output-client.mjs'), 'direct-pipe'], {
      cwd: ctx.world.work,
      env: ctx.world.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(as ? { uid: as.uid, gid: as.gid } : {}),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('direct=false');
    expect(out).toMatch(/LAST-LINE[\s\S]*EXIT outputs=[1-9]/);
  }, 60_000);

  describe.each([
    ['the Node client', `${process.execPath} ${NONO_BIN}`],
    ['the launcher', NONO_LAUNCHER],
  ])('nono attach through %s', (_client, nono) => {
    const stty = (t: ReturnType<typeof openTerminal>): string =>
      execFileSync('stty', ['-F', (t.term as unknown as { ptsName: string }).ptsName, '-a'], { encoding: 'utf8' });
    const logs = async (name: string): Promise<string> => (await cli(['logs', name])).stdout;
    type Body = (t: ReturnType<typeof openTerminal>, name: string) => Promise<void>;
    /** A session running script, and shell (given its name) on a terminal; both ended after body. */
    const onSession = async (prefix: string, script: string, shell: (name: string) => string, body: Body): Promise<void> => {
      const name = `${prefix}-${nono === NONO_LAUNCHER ? 'l' : 'n'}`;
      await start(name, script);
      if (nono === NONO_LAUNCHER) await warmClientWaiting(ctx.world, as);
      const t = openTerminal(shell(name), ctx.world, undefined, as ? { as } : {});
      try {
        await body(t, name);
      } finally {
        t.term.kill('SIGKILL');
        await cli(['stop', name, '--force']);
      }
    };
    /** A `cat` session, and `nono attach` to it run by shell on a terminal in raw mode. */
    const attached = (prefix: string, shell: (name: string) => string, body: Body): Promise<void> =>
      onSession(prefix, 'cat', shell, async (t, name) => {
        await waitRaw(t, stty);
        await body(t, name);
      });

    it('types through nonod, detaches on Ctrl-] d, and leaves the terminal as it was', async () => {
      await attached('keys', (name) => `${nono} attach ${name}; echo "exit:$? mode:$(stty -a | tr -s ' ;' '  ')"`, async (t, name) => {
        t.type('hello-keys\r');
        await t.waitFor(/hello-keys\r+\n[\s\S]*hello-keys/, 20_000);
        t.type('\x1dd');
        await t.waitFor(/\[detached from keys-[ln]; `nono attach keys-[ln]` to return\]/, 20_000);
        await t.waitFor(/exit:\d+ mode:[\s\S]* icanon /, 20_000);
        expect(t.output()).toMatch(/exit:0 mode:[\s\S]*\sopost\s/);
        const ps = JSON.parse((await cli(['ps', '--json'])).stdout) as { name: string; state: string }[];
        expect(ps.find((s) => s.name === name)?.state).toBe('running');
      });
    }, 60_000);

    it('serves a client whose controlling terminal this is not (setsid), where no job control applies', async () => {
      await attached('setsid', (name) => `setsid -w ${nono} attach ${name}`, async (t) => {
        t.type('no-job-control\r');
        await t.waitFor(/no-job-control\r+\n[\s\S]*no-job-control/, 20_000);
      });
    }, 60_000);

    // A shell sets its own terminal mode when a job stops and leaves it so after `fg`: the client
    // must set raw mode again (or the terminal echoes, holds keys until Enter and Ctrl-C kills the
    // client), and nonod must turn OPOST off again.
    it('is back in raw mode, and typing reaches the session, after a stop and fg', async () => {
      await onSession('fg', 'cat', () => `env PS1='SHELL$ ' bash --norc --noprofile -i`, async (t, name) => {
        await t.waitFor(/SHELL\$ /, 10_000);
        t.type(`${nono} attach ${name}\r`);
        await waitRaw(t, stty);
        t.type('before-stop\r');
        await t.waitFor(/before-stop\r+\n[\s\S]*before-stop/, 20_000);
        // The launcher, or the Node client: the process the shell started.
        const pid = Number(execFileSync('pgrep', ['-n', '-f', `attach ${name}`]).toString().trim());
        process.kill(pid, 'SIGSTOP');
        await t.waitFor(/Stopped/, 10_000);
        // nonod looks at the client's job every 50 ms (the window README's known gaps name): a
        // `fg` typed before it noticed the stop would be read as keys for the session.
        await new Promise((resolve) => setTimeout(resolve, 200));
        t.type('fg\r');
        const deadline = Date.now() + 10_000;
        while (!(/(^|\s)-icanon(\s|$)/.test(stty(t)) && /(^|\s)-opost(\s|$)/.test(stty(t)))) {
          if (Date.now() > deadline) throw new Error(`not raw after fg: ${stty(t)}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        t.type('after-fg\r');
        await t.waitFor(/after-fg\r+\n[\s\S]*after-fg/, 20_000);
        expect(await logs(name)).toContain('after-fg');
      });
    }, 60_000);

    // Detached while a full-screen program had the alternate screen and mouse reporting on: the
    // user's terminal leaves both, as under tmux, before the detach line is drawn.
    it('takes the terminal out of a full-screen program\'s modes on detach and at the end', async () => {
      const script = "printf 'NORMAL-SCREEN\\n\\033[?1049h\\033[?1000h\\033[?1hIN-ALT\\n'; read x; printf '\\033[?1049h\\033[?1003h'; exec sleep 30";
      await onSession('modes', script, (name) => `${nono} attach ${name}; echo "EXIT-MARK"; read go; ${nono} attach ${name}; echo "END-MARK"`, async (t, name) => {
        await t.waitFor(/IN-ALT/, 20_000);
        await waitRaw(t, stty);
        expect(await t.modes()).toMatchObject({ alternate: true, mouse: 'vt200', applicationCursorKeys: true });
        t.type('\x1dd');
        await t.waitFor(/EXIT-MARK/, 20_000);
        expect(await t.modes()).toMatchObject({ alternate: false, mouse: 'none', applicationCursorKeys: false });
        t.type('\r');
        await t.waitFor(/IN-ALT[\s\S]*IN-ALT/, 20_000);
        await waitRaw(t, stty);
        t.type('\r');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await cli(['stop', name]);
        await t.waitFor(/END-MARK/, 20_000);
        expect(await t.modes()).toMatchObject({ alternate: false, mouse: 'none' });
      });
    }, 60_000);

    // A re-attach draws the session's screen from the top of the terminal, wherever the cursor
    // was: the session places its cursor on its own rows.
    it('draws the screen from the top on attach', async () => {
      const script = "printf 'ROW-ONE\\nROW-TWO\\n'; read x; printf '\\033[1;1HMOVED-TO-ROW-1'; exec sleep 30";
      await onSession('top', script, (name) => `printf 'a\\nb\\nc\\nd\\n'; ${nono} attach ${name}`, async (t) => {
        await t.waitFor(/ROW-TWO/, 20_000);
        await waitRaw(t, stty);
        t.type('\r');
        await t.waitFor(/MOVED-TO-ROW-1/, 20_000);
        const screen = await t.screen();
        expect(screen[0]).toBe('MOVED-TO-ROW-1');
        expect(screen[1]).toBe('ROW-TWO');
      });
    }, 60_000);

    it('reads none of the keys typed while the client is stopped, and reads again once it runs', async () => {
      await attached('stopped', (name) => `exec ${nono} attach ${name}`, async (t, name) => {
        t.type('before-stop\r');
        await t.waitFor(/before-stop\r+\n[\s\S]*before-stop/, 20_000);
        process.kill(t.term.pid, 'SIGSTOP');
        // nonod looks at the client's job every 50 ms.
        await new Promise((resolve) => setTimeout(resolve, 600));
        t.type('typed-while-stopped\r');
        await new Promise((resolve) => setTimeout(resolve, 800));
        expect(await logs(name)).not.toContain('typed-while-stopped');
        // Still in the terminal for whoever reads it next (the shell, in life): nonod took none of it.
        const pts = (t.term as unknown as { ptsName: string }).ptsName;
        const left = execFileSync('dd', [`if=${pts}`, 'iflag=nonblock', 'bs=4096', 'count=1', 'status=none'], { encoding: 'latin1' });
        expect(left).toBe('typed-while-stopped\r');
        t.type('after-continue\r');
        process.kill(t.term.pid, 'SIGCONT');
        await t.waitFor(/after-continue\r+\n[\s\S]*after-continue/, 20_000);
        expect(await logs(name)).not.toContain('typed-while-stopped');
      });
    }, 60_000);
  });

  it('answers session.ready from a connection it writes no terminal for with one line and a stable kind', async () => {
    await start('direct-none', 'sleep 30');
    const client = await connect({ autoStart: false, env: ctx.world.env });
    try {
      await client.call('session.attach', { session: 'direct-none', size: { rows: 24, cols: 80 } });
      const error = await client.call('session.ready', { session: 'direct-none' }).then(
        () => undefined,
        (e: { kind?: string; message?: string }) => e,
      );
      expect(error?.kind).toBe('INVALID_PARAMS');
      expect(error?.message).toMatch(/^[^\n]*session\.ready follows[^\n]*$/);
    } finally {
      client.close();
      await cli(['stop', 'direct-none', '--force']);
    }
  }, 60_000);
});
