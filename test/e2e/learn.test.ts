// `nono learn` through the CLI with real strace: a script's reads, writes, listing, exec and
// connection come back in their classes; the --json fragment becomes a profile under which the
// same script then runs in the sandbox; bad input and a timeout answer clearly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
let server: Server;
const project = () => join(ctx.world.work, 'learned-project');
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, ctx.world, { cwd: project(), env, timeoutMs: 60_000 });

beforeAll(async () => {
  server = createServer((socket) => socket.end('hello\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  mkdirSync(join(ctx.world.home, '.config', 'tool'), { recursive: true });
  // As after a first run: creating ~/.cache/tool would need (and learn would propose) a writable ~/.cache.
  mkdirSync(join(ctx.world.home, '.cache', 'tool'), { recursive: true });
  writeFileSync(join(ctx.world.home, '.config', 'tool', 'config.toml'), 'level = 3\n');
  mkdirSync(join(ctx.world.home, 'data', 'inputs'), { recursive: true });
  for (const name of ['one', 'two']) writeFileSync(join(ctx.world.home, 'data', 'inputs', name), name);
  mkdirSync(project(), { recursive: true });
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    join(project(), 'job.sh'),
    [
      'set -e',
      'cat ~/.config/tool/config.toml > /dev/null',
      'mkdir -p ~/.cache/tool && for f in a b c; do echo $f > ~/.cache/tool/$f; done',
      'ls ~/data/inputs > /dev/null',
      '/usr/bin/env true',
      `exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`,
    ].join('\n'),
  );
});

afterAll(() => server?.close());

describe('nono learn', () => {
  it('lists each access in its class and counts the rest', async () => {
    const r = await cli(['learn', '--yes', '--', 'bash', 'job.sh']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/hello/);
    const section = (title: string) => r.stdout.split(`\n${title}\n`)[1]?.split(/\n[A-Z+]{4,}/)[0] ?? '';
    expect(section('READ')).toMatch(/~\/\.config\/tool\/config\.toml/);
    expect(section('READ')).toMatch(/~\/data\/inputs/);
    expect(section('READ+WRITE')).toMatch(/~\/\.cache\/tool/);
    expect(r.stdout).toMatch(/\d+ system paths counted/);
    expect(r.stdout).not.toMatch(/^\s+\/usr\/lib/m);
    expect(r.stdout).toMatch(/OUTBOUND NETWORK\n\s+.*127\.0\.0\.1:\d+ tcp/);
  });

  it('turns --json into a profile the script then runs under in the sandbox', async () => {
    const learned = await cli(['learn', '--yes', '--json', '--', 'bash', 'job.sh']);
    expect(learned.code, learned.stderr).toBe(0);
    const fragmentFile = join(ctx.world.root, 'learned.json');
    writeFileSync(fragmentFile, learned.stdout);
    const init = await cli(['profile', 'init', 'learned-job', '--from-learn', fragmentFile]);
    expect(init.code, init.stderr).toBe(0);
    const before = await cli(['run', '--allow-cwd', '--', 'bash', 'job.sh']);
    expect(before.code).not.toBe(0);
    const after = await cli(['run', '--profile', 'learned-job', '--', 'bash', 'job.sh']);
    expect(after.stderr).not.toMatch(/Permission denied/);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/hello/);
  });

  it('answers a missing command, a missing strace and a timeout clearly', async () => {
    const missing = await cli(['learn', '--yes', '--', 'no-such-command-xyz']);
    expect(missing.code, missing.stdout).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no-such-command-xyz/);

    const noStrace = await cli(['learn', '--yes', '--json', '--', '/bin/true'], { NONO_STRACE: join(ctx.world.root, 'no-strace-here') });
    expect(noStrace.code).toBe(1);
    expect(JSON.parse(noStrace.stderr).error.kind).toBe('LEARN_UNAVAILABLE');

    const cut = await cli(['learn', '--yes', '--timeout', '1', '--', 'sh', '-c', 'cat ~/.config/tool/config.toml; sleep 20']);
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.stdout).toMatch(/^partial: timeout after 1 s/m);
    expect(cut.stdout).toMatch(/config\.toml/);
  });

  it('prints text and --json from one model: the same precise grants, the network in both, never the whole home', async () => {
    // As after npm's first run: its log directory exists, and each run adds a log file to it.
    mkdirSync(join(ctx.world.home, '.npm', '_logs'), { recursive: true });
    writeFileSync(
      join(project(), 'npm-like.sh'),
      [
        'set -e',
        // A temporary file made and removed in ~ (a lock, an atomic write): no reason to grant ~.
        'echo x > ~/.npm-like-lock.$$ && rm ~/.npm-like-lock.$$',
        'echo log > ~/.npm/_logs/debug-$$.log',
        'ls ~ > /dev/null',
        'cat ~/.config/tool/config.toml > /dev/null',
        `python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.close()'`,
        `exec 3<>/dev/tcp/127.0.0.1/${(server.address() as AddressInfo).port} && cat <&3`,
      ].join('\n'),
    );
    const json = await cli(['learn', '--yes', '--json', '--', 'bash', 'npm-like.sh']);
    expect(json.code, json.stderr).toBe(0);
    const output = JSON.parse(json.stdout) as {
      filesystem?: Record<string, string[]>;
      workdir?: { access: string };
      learned: { grants: { path: string; access: string; proposed: boolean }[]; network: { outbound: { address: string; port: number }[]; listening: { address: string; port: number }[] } };
    };
    const proposed = [...Object.values(output.filesystem ?? {}).flat(), ...(output.workdir ? ['$WORKDIR'] : [])];
    expect(proposed).toContain('~/.npm/_logs');
    expect(proposed).toContain('~/.config/tool/config.toml');
    expect(proposed).not.toContain('~');
    expect(output.learned.network.outbound).toEqual([expect.objectContaining({ address: '127.0.0.1', port: (server.address() as AddressInfo).port })]);
    expect(output.learned.network.listening).toEqual([expect.objectContaining({ address: '127.0.0.1' })]);
    // What the fragment proposes is what the report lists as proposed, no more and no less.
    expect(output.learned.grants.filter((g) => g.proposed).map((g) => g.path).sort()).toEqual([...proposed].sort());

    const text = await cli(['learn', '--yes', '--', 'bash', 'npm-like.sh']);
    expect(text.code, text.stderr).toBe(0);
    const listed = [...text.stdout.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
    // The text writes the working directory as ./ where the profile writes $WORKDIR.
    for (const path of proposed) expect(listed).toContain(path.replace(/^\$WORKDIR/, '.'));
    expect(text.stdout).not.toMatch(/^ {2}~ /m);
    expect(text.stdout).toMatch(/OUTBOUND NETWORK\n\s+.*127\.0\.0\.1:\d+ tcp/);
    expect(text.stdout).toMatch(/LISTENING PORTS\n\s+127\.0\.0\.1:\d+ tcp/);

    // Even a fragment edited to grant the home directory is not drafted into a profile.
    const edited = join(ctx.world.root, 'home-grant.json');
    writeFileSync(edited, JSON.stringify({ filesystem: { read: ['~'] } }));
    const init = await cli(['profile', 'init', 'whole-home', '--from-learn', edited]);
    expect(init.code).not.toBe(0);
    expect(init.stderr).toMatch(/whole home/);
  });
});
