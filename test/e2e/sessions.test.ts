// Named sessions like tmux, on real PTYs and a real daemon: detached start, several clients
// at once (writers and read-only), the screen replayed on attach, detach, ps, stop of a whole
// process tree, logs after exit, a daemon killed under its sessions, bad input, and load.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon, startDaemon } from '../support/daemon-process.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { openTerminal } from '../support/real-terminal.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const ctx = usePrivateDaemon();
const nono = `${process.execPath} ${NONO_BIN}`;
const cli = (...args: string[]) => runCli(args, ctx.world);
const ps = async (all = false) => JSON.parse((await cli('ps', '--json', ...(all ? ['--all'] : []))).stdout) as { id: string; name: string; state: string; clients: number; exitCode: number | null; usage: unknown }[];
const row = async (name: string, all = false) => (await ps(all)).find((s) => s.name === name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('a detached session with several clients', () => {
  it('shares typing between writers, ignores a read-only client, survives a detach, and ps counts clients', async () => {
    const started = await cli('run', '--name', 'shared', '--detached', '--', 'sh', '-i');
    expect(started.stdout).toMatch(/^started shared \([0-9a-f]{16}\)/);
    const a = openTerminal(`${nono} attach shared`, ctx.world);
    const b = openTerminal(`${nono} attach shared`, ctx.world);
    const viewer = openTerminal(`${nono} attach shared --read-only`, ctx.world);
    await until(async () => (await row('shared'))?.clients === 3, 'three clients');

    a.type('echo from-a-$((40+2))\r');
    await a.waitFor(/from-a-42/);
    await b.waitFor(/from-a-42/);
    await viewer.waitFor(/from-a-42/);

    viewer.type('echo from-viewer-$((1+1))\r');
    b.type('echo from-b-$((3+4))\r');
    await a.waitFor(/from-b-7/);
    await sleep(300);
    expect(a.output()).not.toMatch(/from-viewer-2/);
    // The viewer is told why its keys vanish, once however much it types.
    await viewer.waitFor(/nono: attached read-only: your keys are not sent to shared/);
    viewer.type('more keys\r');
    viewer.type('and more\r');
    await sleep(300);
    expect(viewer.output().match(/attached read-only/g)).toHaveLength(1);
    expect(a.output()).not.toMatch(/attached read-only/);

    b.type('\x1dd');
    expect(await b.exit).toBe(0);
    expect(b.output()).toMatch(/detached from shared/);
    await until(async () => (await row('shared'))?.clients === 2, 'two clients after a detach');
    a.type('echo still-$((8*8))\r');
    await a.waitFor(/still-64/);

    const detached = await cli('detach', 'shared');
    expect(detached.stdout).toMatch(/detached 2 clients from shared/);
    expect(await a.exit).toBe(0);
    expect(await viewer.exit).toBe(0);
    expect((await row('shared'))?.state).toBe('running');
    await cli('stop', 'shared', '--timeout', '1');
  });

  it('shows an attaching client the screen a full-screen program drew, before anything new happens', async () => {
    // A curses-style program: alternate screen, cursor addressing, colours, then it waits.
    const draw = [
      '\\033[?1049h\\033[2J',
      '\\033[3;10H\\033[1;32mNONO FULL SCREEN\\033[0m',
      '\\033[5;4Hline five, column four',
      '\\033[20;60Hbottom right',
      '\\033[10;1H',
    ].join('');
    writeFileSync(join(ctx.world.work, 'tui.sh'), `printf '${draw}'\nexec sleep 1000\n`);
    await cli('run', '--name', 'tui', '--detached', '--allow-cwd', '--', 'sh', 'tui.sh');
    await sleep(500);
    const viewer = openTerminal(`${nono} attach tui --read-only`, ctx.world);
    await viewer.waitFor(/bottom right/);
    await sleep(200);
    const screen = await viewer.screen();
    expect(screen[2]).toBe('         NONO FULL SCREEN');
    expect(screen[4]).toBe('   line five, column four');
    expect(screen[19]).toBe(`${' '.repeat(59)}bottom right`);
    viewer.type('\x1dd');
    await viewer.exit;
    await cli('stop', 'tui', '--force');
  });

  it('replays vi after it has drawn', async () => {
    writeFileSync(join(ctx.world.work, 'poem.txt'), 'roses are red\nsandboxes are tight\n');
    await cli('run', '--name', 'editor', '--detached', '--allow-cwd', '--', 'vi', '-u', 'NONE', 'poem.txt');
    await sleep(800);
    const viewer = openTerminal(`${nono} attach editor --read-only`, ctx.world);
    await viewer.waitFor(/sandboxes are tight/);
    await sleep(300);
    const screen = await viewer.screen();
    expect(screen[0]).toBe('roses are red');
    expect(screen[1]).toBe('sandboxes are tight');
    expect(screen[2]).toMatch(/^~/);
    viewer.type('\x1dd');
    await viewer.exit;
    await cli('stop', 'editor', '--force');
  });
});

describe('a client that falls behind', () => {
  it('is skipped, then redrawn from the screen, like tmux, instead of being sent every byte', async () => {
    const data = join(ctx.world.root, 'flood');
    mkdirSync(data, { recursive: true });
    const line = 'flooding the terminal with text nobody will read\n';
    writeFileSync(join(data, 'big.txt'), line.repeat(Math.ceil((20 * 1024 * 1024) / line.length)));
    await cli('run', '--name', 'flood', '--detached', '--read', data, '--', 'sh', '-c', `sleep 1; cat ${join(data, 'big.txt')}; echo FINAL-MARK; exec sleep 1000`);
    const slow = openTerminal(`exec ${nono} attach flood --read-only`, ctx.world);
    await until(async () => (await row('flood'))?.clients === 1, 'the client to attach');
    process.kill(slow.term.pid, 'SIGSTOP');
    await until(async () => (await cli('logs', 'flood', '--tail', '1')).stdout.includes('FINAL-MARK'), 'the session to finish writing', 60_000);
    process.kill(slow.term.pid, 'SIGCONT');
    await slow.waitFor(/FINAL-MARK/, 60_000);
    expect(slow.output().length).toBeLessThan(10 * 1024 * 1024);
    expect((await slow.screen()).some((l) => l.includes('FINAL-MARK'))).toBe(true);
    slow.type('\x1dd');
    await slow.exit;
    await cli('stop', 'flood', '--force');
  }, 120_000);
});

describe('stop, exit and logs', () => {
  it('stop leaves no process of the session alive, setsid and double-forked ones included', async () => {
    // Unique durations mark this test's sleeps among everything else on the machine.
    const tag = `${process.pid}`;
    await cli('run', '--name', 'forky', '--detached', '--', 'sh', '-c', `setsid sleep 1001.${tag} & (sleep 1002.${tag} &) ; exec sleep 1003.${tag}`);
    await sleep(500);
    const alive = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /^sleep 100[123]\./.test(l) && l.endsWith(`.${tag}`));
    expect(alive()).toHaveLength(3);
    const stopped = await cli('stop', 'forky', '--timeout', '2');
    expect(stopped.code).toBe(0);
    await sleep(300);
    expect(alive()).toEqual([]);
  });

  it('a session that exits while detached shows exited (code) in ps, and logs returns its output', async () => {
    await cli('run', '--name', 'short', '--detached', '--', 'sh', '-c', 'echo first line; echo second line; exit 3');
    await until(async () => (await row('short'))?.state === 'exited', 'the session to exit');
    expect((await row('short'))?.exitCode).toBe(3);
    const human = await cli('ps');
    expect(human.stdout).toMatch(/short\s+[0-9a-f]{16}\s+exited \(3\)/);
    const logs = await cli('logs', 'short');
    expect(logs.stdout.replace(/\r/g, '')).toBe('first line\nsecond line\n');
    const tail = await cli('logs', 'short', '--tail', '1');
    expect(tail.stdout.replace(/\r/g, '')).toBe('second line\n');
  });

  it('logs -f follows a running session to its end', async () => {
    await cli('run', '--name', 'ticker', '--detached', '--', 'sh', '-c', 'for i in 1 2 3 4 5; do echo tick $i; sleep 0.2; done');
    const follow = await cli('logs', 'ticker', '-f');
    expect(follow.stdout.replace(/\r/g, '')).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
  });
});

describe('bad input', () => {
  it('answers each with one clear line and disturbs nothing', async () => {
    await cli('run', '--name', 'steady', '--detached', '--', 'sleep', '1000');
    const unknown = await cli('attach', 'no-such-session');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no session named or with id no-such-session/);
    const duplicate = await cli('run', '--name', 'steady', '--detached', '--', 'true');
    expect(duplicate.code).toBe(125);
    expect(duplicate.stderr).toMatch(/session name steady is taken/);
    const { NonoClient } = await import('../../client/src/index.js');
    const client = await NonoClient.connect({ env: ctx.world.env, autoStart: false });
    await expect(client.call('session.resize', { session: 'steady', rows: 5000, cols: 80 })).rejects.toMatchObject({ kind: 'INVALID_PARAMS' });
    await cli('run', '--name', 'gone', '--detached', '--', 'true');
    await until(async () => (await row('gone'))?.state === 'exited', 'gone to exit');
    await expect(client.call('session.input', { session: 'gone', data: Buffer.from('x').toString('base64') })).rejects.toMatchObject({
      kind: 'SESSION_EXITED',
    });
    client.close();
    expect((await row('steady'))?.state).toBe('running');
    await cli('stop', 'steady', '--force');
  });
});

const PRINTER = 'import time\nwhile True:\n    print("output line from a busy session", flush=True)\n    time.sleep(0.02)';

describe('load', () => {
  it('answers every ps while 50 sessions print continuously', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `busy-${i}`);
    for (const name of names) {
      // One process per session printing 50 lines a second, with no fork per line.
      const r = await cli('run', '--name', name, '--detached', '--', '/usr/bin/python3', '-c', PRINTER);
      expect(r.code, r.stderr).toBe(0);
    }
    for (let i = 0; i < 10; i++) {
      const list = await cli('ps', '--json');
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout).filter((s: { name: string; state: string }) => s.name.startsWith('busy-') && s.state === 'running')).toHaveLength(50);
    }
    await Promise.all(names.map((name) => cli('stop', name, '--force')));
  }, 120_000);
});

describe('a daemon killed under its sessions', () => {
  it('tells the attached client in one line, and a new daemon lists the sessions as lost', async () => {
    const tag = `${process.pid}`;
    await cli('run', '--name', 'orphan', '--detached', '--', 'sh', '-c', `trap "" HUP TERM; setsid sleep 1004.${tag} & exec sleep 1005.${tag}`);
    const attached = openTerminal(`${nono} attach orphan`, ctx.world);
    await until(async () => (await row('orphan'))?.clients === 1, 'the client to attach');
    const privateTmp = `/tmp/nono-sandbox-${(await row('orphan'))!.id}`;
    expect(existsSync(privateTmp)).toBe(true);
    ctx.daemon.process.kill('SIGKILL');
    expect(await attached.exit).toBe(125);
    expect(attached.output()).toMatch(/the daemon went away/);
    // Nothing of a sandbox outlives its supervisor, not even what ignores hang-ups.
    await sleep(300);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /^sleep 100[45]\./.test(l) && l.endsWith(`.${tag}`))).toEqual([]);
    ctx.daemon = await startDaemon(ctx.world);
    const orphan = await row('orphan', true);
    expect(orphan?.state).toBe('lost');
    // Its private /tmp goes with it, as at any session's end.
    expect(existsSync(privateTmp)).toBe(false);
    expect((await cli('daemon', 'status', '--json')).code).toBe(0);
    expect((await cli('logs', 'orphan')).code).toBe(0);
  });
});

describe('resource limits', () => {
  it('caps each process\'s memory with --memory and shows the limits in ps', async () => {
    const big = await cli('run', '--memory', '200M', '--', '/usr/bin/python3', '-c', 'bytearray(400 * 1024 * 1024)');
    expect(big.code).not.toBe(0);
    expect(big.stderr).toMatch(/MemoryError/);
    const small = await cli('run', '--memory', '200M', '--', '/usr/bin/python3', '-c', 'bytearray(50 * 1024 * 1024); print("fits")');
    expect(small.stdout).toBe('fits\n');
    await cli('run', '--name', 'capped', '--detached', '--memory', '1G', '--max-processes', '64', '--', 'sleep', '1000');
    expect((await cli('ps')).stdout).toMatch(/capped .*mem 1024M procs 64/);
    await cli('stop', 'capped', '--force');
    const bad = await cli('run', '--memory', '12', '--', 'true');
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/12 is not a size of 1M or more/);
  });
});

describe('--max-processes as an unprivileged user (root is exempt from RLIMIT_NPROC)', () => {
  const as = unprivilegedUser();
  const user = usePrivateDaemon({ world: { owner: as }, as });

  it('stops a fork loop at the cap and leaves the daemon unharmed', async () => {
    const r = await runCli(['run', '--max-processes', '6', '--', 'sh', '-c', 'n=0; for i in $(seq 20); do sleep 3 & n=$((n+1)); done; echo started $n'], user.world, { as });
    expect(r.stderr).toMatch(/Resource temporarily unavailable|Cannot fork|can't fork/);
    expect((await runCli(['daemon', 'status', '--json'], user.world, { as })).code).toBe(0);
  });
});
