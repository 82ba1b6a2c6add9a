// `nono run` on a real terminal: the command gets a PTY of the user's size, follows resizes,
// takes raw keystrokes (Ctrl-C reaches it as SIGINT), and the user's terminal is restored.
// Through the Node client, and through the launcher users run (its warm client gets the
// terminal's fd; the signals the terminal sends the launcher are passed on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NONO_BIN, NONO_LAUNCHER, runCli } from '../support/run-cli.js';
import { warmClients, warmClientWaiting, type WarmClientCounts } from '../support/warm-clients.js';
import { openTerminal as openRealTerminal } from '../support/real-terminal.js';

const ctx = usePrivateDaemon();

const openTerminal = (command: string, size?: { cols: number; rows: number }) => openRealTerminal(command, ctx.world, size);

describe.each([
  ['the Node client', [process.execPath, NONO_BIN]],
  ['the launcher', [NONO_LAUNCHER]],
])('nono run on a terminal, through %s', (_client, argv) => {
  const nono = argv.join(' ');
  const launcher = argv[0] === NONO_LAUNCHER;
  let before: WarmClientCounts;
  beforeAll(async () => {
    before = await warmClientWaiting(ctx.world);
  });
  // Each test's launcher found a warm client (none fell back to the Node client unseen).
  afterAll(async () => {
    if (!launcher) return;
    expect((await warmClients(ctx.world)).served).toBeGreaterThanOrEqual(before.served + 5);
  });

  it('gives the command a PTY of the same size, and follows a resize', async () => {
    const t = openTerminal(`${nono} run -- sh -c 'test -t 0 && test -t 1 && echo on-a-tty; stty size; trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 0.05; done'`, {
      cols: 91,
      rows: 33,
    });
    await t.waitFor(/ready/);
    expect(t.output()).toMatch(/on-a-tty/);
    expect(t.output()).toMatch(/33 91/);
    t.term.resize(120, 40);
    await t.waitFor(/40 120/);
    expect(await t.exit).toBe(0);
  });

  it('passes typed keys through in raw mode and delivers Ctrl-C as SIGINT (exit 130)', async () => {
    const t = openTerminal(`${nono} run -- sh -c 'read line; echo "got:$line"; echo sleeping; exec sleep 100'`);
    await new Promise((r) => setTimeout(r, 500));
    t.term.write('hello\r');
    await t.waitFor(/got:hello/);
    await t.waitFor(/sleeping/);
    t.term.write('\x03');
    expect(await t.exit).toBe(130);
  });

  it('restores the terminal mode after the command exits', async () => {
    const t = openTerminal(`stty -g > before.txt; ${nono} run -- true; stty -g > after.txt; cmp before.txt after.txt && echo SAME`);
    await t.waitFor(/SAME/);
    expect(await t.exit).toBe(0);
  });

  it('hands the exit code through from a terminal session too', async () => {
    const t = openTerminal(`${nono} run -- sh -c 'exit 7'; echo "code=$?"`);
    await t.waitFor(/code=7/);
  });

  it('dies of SIGHUP, not SIGABRT, when its terminal closes, and the named session goes on', async () => {
    const status = join(ctx.world.root, 'client-status');
    // A parent that outlives the hang-up records how the client ended.
    const wrapper = `${process.execPath} -e '
      const c = require("child_process").spawn(${JSON.stringify(argv[0])}, [${argv.slice(1).map((a) => JSON.stringify(a) + ', ').join('')}"run", "--name", "hung-up", "--", "sh", "-c", "echo started; sleep 100"], { stdio: "inherit" });
      process.on("SIGHUP", () => undefined);
      c.on("exit", (code, signal) => require("fs").writeFileSync(${JSON.stringify(status)}, String(signal ?? code)));'`;
    const t = openTerminal(wrapper);
    await t.waitFor(/started/);
    (t.term as unknown as { destroy(): void }).destroy();
    const deadline = Date.now() + 10_000;
    while (!existsSync(status) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(status, 'utf8')).toBe('SIGHUP');
    const ps = await runCli(['ps'], ctx.world);
    expect(ps.stdout).toMatch(/hung-up .*running/);
    await runCli(['stop', 'hung-up'], ctx.world);
  });
});

// `nono ps` on a terminal: one line per session at any width, the command cut to what is left and
// the least needed columns left out while the rest would not fit; a wide one shows them all.
describe('nono ps on a terminal', () => {
  it.each([[80], [200]])('fits each row in %i columns', async (cols) => {
    const name = `ps-width-${cols}`;
    const started = await runCli(['run', '--name', name, '--detached', '--', 'sh', '-c', `sleep 60; echo ${'long-argument '.repeat(12)}`], ctx.world);
    expect(started.code, started.stderr).toBe(0);
    try {
      const t = openTerminal(`NO_COLOR=1 ${NONO_LAUNCHER} ps; echo PS-DONE`, { cols, rows: 24 });
      await t.waitFor(/PS-DONE/, 20_000);
      const lines = t.output().split('\r\n');
      const header = lines.find((l) => l.startsWith('NAME'))!;
      const row = lines.find((l) => l.startsWith(name))!;
      for (const line of [header, row]) expect(line.length).toBeLessThanOrEqual(cols);
      expect(header).toMatch(/STATE .*CPU MEM PROCS .*COMMAND/);
      expect(row).toMatch(/running .*sh -c/);
      if (cols >= 200) expect(header).toMatch(/ID .*CLIENTS .*PROFILE .*DENIED .*LIMITS .*STARTED/);
    } finally {
      await runCli(['stop', name, '--force'], ctx.world);
    }
  }, 60_000);
});
