// Attacks on direct output (nonod writing a session's output to the client's terminal itself,
// and reading its keys there): a terminal nonod could only write by blocking (a pty of another
// devpts, as in a container) is not taken, so it cannot freeze nonod; once the client is
// stopped and the shell has the terminal back, the session writes nothing more there (no
// output over the prompt, no terminal query answered into the shell's input), within the 50 ms
// nonod takes to notice, and of a lagging terminal's backlog only the little nonod had handed
// on; a killed client's shell gets nothing of the session either. A terminal held for a client
// holds back none of another session's traffic to it, and nonod takes a terminal only as far as
// the client's own descriptor allows.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { openTerminal } from '../support/real-terminal.js';
import { REPO, runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const CLIENT_JS = join(REPO, 'test/support/direct-output-client.mjs');
const CLIENT = `${process.execPath} ${CLIENT_JS}`;
const isRoot = process.getuid?.() === 0;
const user = isRoot ? unprivilegedUser() : undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the direct-output client attached to session name (newest). */
function clientPid(name: string): number {
  return Number(execFileSync('pgrep', ['-n', '-f', `direct-output-client.mjs ${name}`]).toString().trim());
}

describe('direct output under attack', () => {
  const ctx = usePrivateDaemon();
  const cli = (args: string[], timeoutMs?: number) => runCli(args, ctx.world, timeoutMs ? { timeoutMs } : {});
  const start = async (name: string, script: string): Promise<void> => {
    const started = await cli(['run', '--name', name, '--detached', '--', 'sh', '-c', script]);
    expect(started.code, started.stderr).toBe(0);
  };

  // libuv cannot open again by name a pty slave of a devpts nonod does not see, and would write
  // to it blocking (or spin on EAGAIN): such a terminal gets the output through its client.
  it.skipIf(!isRoot)('keeps serving while a client terminal of another devpts instance reads nothing', async () => {
    await start('rv-ns', 'read x; while :; do seq 1 20000; done');
    const inner = `script -qfc '${CLIENT} rv-ns' /dev/null`;
    const cmd = `unshare -m --propagation private sh -c 'mount -t devpts -o newinstance,ptmxmode=666 devpts /dev/pts && mount --bind /dev/pts/ptmx /dev/ptmx && exec ${inner.replace(/'/g, `'"'"'`)}'`;
    const t = openTerminal(cmd, ctx.world);
    try {
      await t.waitFor(/direct=false/, 20_000);
      await t.waitFor(/BEFORE-READY/, 20_000);
      t.term.pause();
      await sleep(1500);
      const ps = await cli(['ps', '--json'], 8000);
      expect(ps.signal, 'nono ps got no answer: nonod is stuck writing to the terminal').toBeNull();
      expect(ps.code, ps.stderr).toBe(0);
    } finally {
      t.term.resume();
      t.term.kill('SIGKILL');
      await cli(['stop', 'rv-ns', '--force'], 30_000);
    }
  }, 90_000);

  // A stopped client (kill -STOP, kill -TSTP from elsewhere) gives the terminal back to the shell:
  // output written then would land over the user's prompt, and a terminal query in it would be
  // answered into the shell's input instead of the session's.
  it.each([['relay'], ['direct']])('writes nothing of the session to the terminal while its client is stopped (%s)', async (mode) => {
    const name = `rv-stop-${mode}`;
    await start(name, 'read x; i=0; while :; do echo TICK-$i; printf "\\033[6n"; i=$((i+1)); sleep 0.2; done');
    const t = openTerminal(`env PS1='SHELL$ ' bash --norc --noprofile -i`, ctx.world);
    try {
      await t.waitFor(/SHELL\$ /, 10_000);
      t.type(`${CLIENT} ${name}${mode === 'relay' ? ' relay' : ''}\r`);
      await t.waitFor(/TICK-2\b/, 20_000);
      process.kill(clientPid(name), 'SIGSTOP');
      await t.waitFor(/Stopped/, 10_000);
      // nonod looks at the client's job every 50 ms: what it wrote before it noticed is not the question.
      await sleep(150);
      const mark = t.output().length;
      await sleep(1500);
      const out = t.output();
      const after = out.slice(mark);
      // What the user typed at the prompt afterwards would be preceded by the terminal's answers.
      t.type('echo TYPED\r');
      await sleep(500);
      const tail = t.output().slice(out.length);
      expect(after, 'session output written after the shell took the terminal back').not.toMatch(/TICK-/);
      // The terminal's answers to the session's queries are typed into the shell's command line.
      expect(tail).not.toMatch(/;1R/);
    } finally {
      try {
        process.kill(clientPid(name), 'SIGKILL');
      } catch {
        // gone
      }
      t.term.kill('SIGKILL');
      await cli(['stop', name, '--force'], 30_000);
    }
  }, 60_000);
  // A killed client's connection closes before its shell takes the terminal back.
  it('writes nothing of the session after its client was killed and the shell is back', async () => {
    await start('rv-kill', 'read x; while :; do seq -f FLOOD-%g 1 5000; done');
    const t = openTerminal(`env PS1='SHELL$ ' bash --norc --noprofile -i`, ctx.world);
    try {
      await t.waitFor(/SHELL\$ /, 10_000);
      t.type(`${CLIENT} rv-kill\r`);
      await t.waitFor(/FLOOD-4999/, 20_000);
      process.kill(clientPid('rv-kill'), 'SIGKILL');
      await t.waitFor(/Killed/, 10_000);
      await sleep(300);
      t.type('stty sane; echo AFTER-MARK\r');
      await t.waitFor(/AFTER-MARK\r\n/, 10_000);
      await sleep(1000);
      const out = t.output();
      expect(out.slice(out.indexOf('AFTER-MARK\r\n'))).not.toMatch(/FLOOD-/);
    } finally {
      t.term.kill('SIGKILL');
      await cli(['stop', 'rv-kill', '--force'], 30_000);
    }
  }, 60_000);
});

describe.each([['as root', undefined], ...(user ? [['as an unprivileged user', user] as const] : [])])('direct output under attack (%s)', (_name, as) => {
  const ctx = usePrivateDaemon(as ? { world: { owner: as }, as } : {});
  const cli = (args: string[], timeoutMs?: number) => runCli(args, ctx.world, { as, ...(timeoutMs ? { timeoutMs } : {}) });
  const start = async (name: string, script: string): Promise<void> => {
    const started = await cli(['run', '--name', name, '--detached', '--', 'sh', '-c', script]);
    expect(started.code, started.stderr).toBe(0);
  };
  const terminal = (command: string) => openTerminal(command, ctx.world, undefined, as ? { as } : {});

  // What nonod had handed to libuv for a lagging terminal reached it whatever came next: a client
  // stopped while its terminal lagged had up to the 2 MiB backlog written over the shell's prompt.
  it('writes at most a little of a lagging terminal\'s backlog once its client is stopped', async () => {
    await start('rv-lag', 'read x; while :; do seq -f FLOOD-%g 1 20000; done');
    const t = terminal(`env PS1='SHELL$ ' bash --norc --noprofile -i`);
    try {
      await t.waitFor(/SHELL\$ /, 10_000);
      t.type(`${CLIENT} rv-lag\r`);
      await t.waitFor(/FLOOD-19999/, 20_000);
      // The terminal stops reading: the kernel's buffer fills, and nonod's backlog grows behind it.
      t.term.pause();
      const mark = t.output().length;
      await sleep(2000);
      process.kill(clientPid('rv-lag'), 'SIGSTOP');
      await sleep(300);
      t.term.resume();
      await t.waitFor(/Stopped/, 10_000);
      await sleep(1000);
      // The kernel's pty buffer (about 64 KiB) and nonod's 64 KiB in flight, not the backlog.
      expect(t.output().length - mark).toBeLessThan(400_000);
    } finally {
      try {
        process.kill(clientPid('rv-lag'), 'SIGKILL');
      } catch {
        // gone
      }
      t.term.kill('SIGKILL');
      await cli(['stop', 'rv-lag', '--force'], 30_000);
    }
  }, 60_000);

  // Everything a connection was sent waited behind a terminal that never said ready: another
  // session's output to the same connection piled up in nonod without bound (700 MB in 30 s).
  it("sends another session's output at once while this terminal is held", async () => {
    await start('rv-held', 'read x');
    await start('rv-noisy', 'while :; do seq -f NOISE-%g 1 2000; sleep 0.05; done');
    const t = terminal(`${CLIENT} rv-held held rv-noisy`);
    try {
      await t.waitFor(/OTHER-BYTES=\d+/, 20_000);
      expect(t.output()).toContain('direct=true');
      expect(Number(/OTHER-BYTES=(\d+)/.exec(t.output())![1])).toBeGreaterThan(100_000);
    } finally {
      t.term.kill('SIGKILL');
      await cli(['stop', 'rv-noisy', '--force'], 30_000);
      await cli(['stop', 'rv-held', '--force'], 30_000);
    }
  }, 60_000);

  // nonod writes and reads a client's terminal with no more than the client's own fd allows: a
  // terminal the client has open only for reading on its stdout is not written by nonod.
  it("does not take a terminal the client's stdout only reads", async () => {
    await start('rv-ro', 'read x');
    const t = terminal(`${CLIENT} rv-ro probe 1</proc/self/fd/0; ${CLIENT} rv-ro probe`);
    try {
      await t.waitFor(/direct=\w+[\s\S]*direct=\w+/, 20_000);
      expect([...t.output().matchAll(/direct=(\w+)/g)].map((m) => m[1])).toEqual(['false', 'true']);
    } finally {
      t.term.kill('SIGKILL');
      await cli(['stop', 'rv-ro', '--force'], 30_000);
    }
  }, 60_000);
});
