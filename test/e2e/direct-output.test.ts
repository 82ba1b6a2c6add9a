// nonod writing a session's output to the client's terminal itself (directOutput), as tmux's
// server does, through a real PTY, as root and as an unprivileged user: the output comes after
// what the client wrote before it said ready, the client is sent none of it, and everything
// else the client hears (the exit) comes after the output it follows. A terminal that stops
// reading never blocks nonod, and one that hangs up never takes it down. A client whose stdout
// is not a terminal is sent the output as before.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nono/client';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { openTerminal } from '../support/real-terminal.js';
import { REPO, runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const CLIENT = `${process.execPath} ${join(REPO, 'test/support/direct-output-client.mjs')}`;
const isRoot = process.getuid?.() === 0;
const user = isRoot ? unprivilegedUser() : undefined;

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
    const t = openTerminal(`${CLIENT} direct-order`, ctx.world, undefined, as ? { as } : {});
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
      // The client's terminal is in cooked mode here: its line discipline turns \n into \r\n again.
      expect(out).toMatch(/\n2999\r+\n3000\r+\n/);
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
