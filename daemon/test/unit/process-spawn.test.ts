// How the daemon starts the helper and its warm clients without forking itself
// (native-helper/addon/process-spawn.c): the child gets what Node's detached spawn would give
// it (its own session, signals at their defaults, its fds and nothing more), and its end is
// reported once, after its output. Real processes.
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDetached, type DetachedChild } from '../../src/native/process-spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'nono-process-spawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collect(stream: Socket | null): () => string {
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
    const child = spawnDetached('/bin/sh', ['sh', '-c', script], { cwd: dir, env: { FOO: 'bar baz', PATH: '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const out = collect(child.stdio[1]!);
    const err = collect(child.stdio[2]!);
    child.stdio[0]!.end('from stdin\n');
    child.stdio[3]!.end('the spec\n');
    const [code, signal] = await closed(child);
    expect([code, signal]).toEqual([7, null]);
    expect(out()).toBe(`foo=bar baz\n${dir}\nfrom stdin\nspec=the spec\nlast\n`);
    expect(err()).toBe('err\n');
  });

  it('starts it in a session of its own, with no signal blocked, none ignored but glibc\'s own two, and none of our fds', async () => {
    // Node ignores SIGPIPE, and the daemon holds files and sockets of its own: none may reach the
    // child. posix_spawn leaves glibc's 32 and 33 ignored; the helper puts them back (signals.c).
    const marker = join(dir, 'ours.txt');
    writeFileSync(marker, '');
    const ours = openSync(marker, 'r');
    const script = 'cut -d" " -f6 /proc/self/stat; grep -E "^Sig(Ign|Blk)" /proc/self/status; for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink $f)"; done';
    const child = spawnDetached('/bin/sh', ['sh', '-c', script], { cwd: dir, env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    closeSync(ours);
    const out = collect(child.stdio[1]!);
    expect(await closed(child)).toEqual([0, null]);
    const [session, ...rest] = out().trim().split('\n');
    expect(Number(session)).toBe(child.pid);
    expect(rest.filter((line) => line.startsWith('Sig')).sort()).toEqual([expect.stringMatching(/^SigBlk:\s+0+$/), expect.stringMatching(/^SigIgn:\s+0+180000000$/)]);
    const fds = rest.filter((line) => /^\d+ /.test(line)).sort((a, b) => parseInt(a) - parseInt(b));
    expect(fds.slice(0, 4)).toEqual(['0 /dev/null', expect.stringMatching(/^1 socket:/), expect.stringMatching(/^2 socket:/), expect.stringMatching(/^3 socket:/)]);
    // Beyond its stdio, only what this test's own runner left open without close-on-exec (Node's spawn passes that on too).
    expect(fds.slice(4).filter((line) => line.includes(marker) || line.includes('socket:'))).toEqual([]);
  });

  it('places a given fd and /dev/null for ignore', async () => {
    const file = join(dir, 'given.txt');
    writeFileSync(file, 'from a given fd\n');
    const fd = openSync(file, 'r');
    const child = spawnDetached('/bin/sh', ['sh', '-c', 'cat <&3; cat; readlink /proc/self/fd/0'], { env: {}, stdio: ['ignore', 'pipe', 'pipe', fd] });
    closeSync(fd);
    const out = collect(child.stdio[1]!);
    expect(await closed(child)).toEqual([0, null]);
    expect(out()).toBe('from a given fd\n/dev/null\n');
  });

  it('reports a signal by number, and kill reaches only a live child', async () => {
    const child = spawnDetached('/bin/sleep', ['sleep', '30'], { env: {}, stdio: ['ignore', 'ignore', 'ignore'] });
    expect(child.kill('SIGTERM')).toBe(true);
    expect(await closed(child)).toEqual([null, 15]);
    expect(child.kill('SIGTERM')).toBe(false);
  });

  it('says error, with the reason, for a file it cannot start, and leaves nothing open', async () => {
    const before = listFds();
    const child = spawnDetached(join(dir, 'no-such-program'), ['x'], { env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    const [error] = (await once(child, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ENOENT');
    expect(child.pid).toBe(-1);
    expect(listFds()).toEqual(before);
  });
});

function listFds(): string[] {
  return readdirSync('/proc/self/fd').sort();
}
