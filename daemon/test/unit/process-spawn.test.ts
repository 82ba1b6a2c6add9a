// How the daemon starts the sandbox helper without forking itself
// (native-helper/addon/process-spawn.c): the child gets what Node's detached spawn would give
// it (its own session, signals at their defaults, its pipes and nothing more), its end is
// reported once, after its output, and an exit held back by a tracer costs the daemon no CPU.
// Real processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDetached, type DetachedChild } from '../../src/native/process-spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'nono-process-spawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PATH = '/usr/bin:/bin';

function collect(stream: Socket | undefined): () => string {
  let text = '';
  stream?.on('data', (data: Buffer) => (text += data.toString()));
  return () => text;
}

async function closed(child: DetachedChild): Promise<[number | null, number | null]> {
  return (await once(child, 'close')) as [number | null, number | null];
}

describe('spawnDetached', () => {
  it('gives the child its pipes, cwd and environment, and reports the exit after the last output', async () => {
    const script = 'echo "foo=$FOO"; pwd; cat; read spec <&3; echo "spec=$spec"; echo err >&2; sleep 0.2; echo last; exit 7';
    const child = spawnDetached('/bin/sh', ['sh', '-c', script], { cwd: dir, env: { FOO: 'bar baz', PATH }, pipes: 4 });
    const out = collect(child.stdio[1]);
    const err = collect(child.stdio[2]);
    child.stdio[0]!.end('from stdin\n');
    child.stdio[3]!.end('the spec\n');
    expect(await closed(child)).toEqual([7, null]);
    expect(out()).toBe(`foo=bar baz\n${dir}\nfrom stdin\nspec=the spec\nlast\n`);
    expect(err()).toBe('err\n');
  });

  it("starts it in a session of its own, with no signal blocked, none ignored but glibc's own two, and none of our fds", async () => {
    // Node ignores SIGPIPE, and the daemon holds files and sockets of its own: none may reach the
    // child. posix_spawn leaves glibc's 32 and 33 ignored; the helper puts them back (signals.c).
    const script = 'cut -d" " -f6 /proc/self/stat; grep -E "^Sig(Ign|Blk)" /proc/self/status; for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink $f)"; done';
    const child = spawnDetached('/bin/sh', ['sh', '-c', script], { cwd: dir, env: { PATH }, pipes: 3 });
    child.stdio[0]!.end();
    const out = collect(child.stdio[1]);
    expect(await closed(child)).toEqual([0, null]);
    const [session, ...rest] = out().trim().split('\n');
    expect(Number(session)).toBe(child.pid);
    expect(rest.filter((line) => line.startsWith('Sig')).sort()).toEqual([expect.stringMatching(/^SigBlk:\s+0+$/), expect.stringMatching(/^SigIgn:\s+0+180000000$/)]);
    const fds = rest.filter((line) => /^\d+ /.test(line)).sort((a, b) => parseInt(a) - parseInt(b));
    expect(fds.slice(0, 3)).toEqual([expect.stringMatching(/^0 socket:/), expect.stringMatching(/^1 socket:/), expect.stringMatching(/^2 socket:/)]);
    // Beyond its stdio, only what this test's own runner left open without close-on-exec (Node's spawn passes that on too).
    expect(fds.slice(3).filter((line) => line.includes('socket:') || line.includes(dir))).toEqual([]);
  });

  it('reports a signal by number', async () => {
    const child = spawnDetached('/bin/sleep', ['sleep', '30'], { cwd: dir, env: {}, pipes: 3 });
    process.kill(-child.pid, 'SIGTERM');
    expect(await closed(child)).toEqual([null, 15]);
  });

  it('says error, with the reason, for a file it cannot start, and leaves nothing open', async () => {
    const before = readdirSync('/proc/self/fd').sort();
    const child = spawnDetached(join(dir, 'no-such-program'), ['x'], { cwd: dir, env: {}, pipes: 4 });
    const [error] = (await once(child, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ENOENT');
    expect([child.pid, child.stdio]).toEqual([-1, []]);
    expect(readdirSync('/proc/self/fd').sort()).toEqual(before);
  });

  it('refuses more pipes than it places, closing none of ours', () => {
    const before = readdirSync('/proc/self/fd').sort();
    expect(() => spawnDetached('/bin/true', ['true'], { cwd: dir, env: {}, pipes: 64 })).toThrow(TypeError);
    expect(readdirSync('/proc/self/fd').sort()).toEqual(before);
  });

  it('throws at once for an argument with a NUL inside, as Node does', () => {
    expect(() => spawnDetached('/bin/echo', ['echo', 'a\0b'], { cwd: dir, env: {}, pipes: 3 })).toThrow(TypeError);
  });

  it('spends no CPU while a tracer holds the exit back, and reports it once released', async () => {
    // The command may have a process of its own seize it with ptrace: its exit then waits for
    // that tracer, and the pidfd stays readable meanwhile.
    const tracer = join(dir, 'tracer.py');
    writeFileSync(tracer, 'import ctypes, sys, time\nlibc = ctypes.CDLL(None, use_errno=True)\nif libc.ptrace(0x4206, int(sys.argv[1]), 0, 0) != 0: sys.exit(9)\nprint("seized", flush=True)\ntime.sleep(1.5)\n');
    const child = spawnDetached('/bin/sh', ['sh', '-c', 'read go; exit 3'], { cwd: dir, env: { PATH }, pipes: 3 });
    const holder = spawn('python3', [tracer, String(child.pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(holder.stdout!, 'data');
    const cpu = process.cpuUsage();
    const started = Date.now();
    child.stdio[0]!.end('go\n');
    expect(await closed(child)).toEqual([3, null]);
    const used = process.cpuUsage(cpu);
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect((used.user + used.system) / 1000).toBeLessThan(300);
  });

  it('falls back to Node\'s spawn where pidfds are refused (an old seccomp profile), and the helper still starts', async () => {
    const script = join(dir, 'no-pidfd.mjs');
    const module = new URL('../../dist/native/process-spawn.js', import.meta.url).pathname;
    writeFileSync(
      script,
      `import { spawnDetached } from ${JSON.stringify(module)};
       const child = spawnDetached('/bin/sh', ['sh', '-c', 'echo started; exit 4'], { cwd: '/', env: {}, pipes: 3 });
       let out = '';
       child.stdio[1].on('data', (d) => (out += d));
       child.on('close', (code) => console.log(JSON.stringify({ code, out })));`,
    );
    const traced = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=pidfd_open', '-e', 'inject=pidfd_open:error=EPERM', process.execPath, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    traced.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
    await once(traced, 'close');
    expect(JSON.parse(printed)).toEqual({ code: 4, out: 'started\n' });
  });
});
