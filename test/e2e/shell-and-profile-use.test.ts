// nono shell (an interactive shell as a session, here fed on stdin), nono profile use (the
// default profile for runs that name none), the `profiles` alias, and allow_gpu in --dry-run.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const cli = (args: string[], input?: string, env: Record<string, string> = {}) => runCli(args, ctx.world, { ...(input !== undefined ? { input } : {}), env });

describe('nono shell', () => {
  it("runs $SHELL in the sandbox as a session, reading commands, exiting with the shell's code", async () => {
    const r = await cli(['shell', '--allow-cwd'], 'echo "in $NONO_SESSION"; cat ~/.ssh/id_rsa || echo denied; exit 3\n', { SHELL: '/bin/sh' });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^in \S+$/m);
    expect(r.stdout).toMatch(/denied/);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });
});

describe('nono profile use', () => {
  it('makes a profile the default for runs that name none, keeping the rest of config.json', async () => {
    const configDir = join(ctx.world.root, 'config', 'nono');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ detach_key: 'C-a' }));
    const before = JSON.parse((await cli(['run', '--dry-run', '--json', '--', 'true'])).stdout);
    expect(before.profile).toBe('default');
    const use = await cli(['profile', 'use', 'python-dev']);
    expect(use.code, use.stderr).toBe(0);
    const after = JSON.parse((await cli(['run', '--dry-run', '--json', '--', 'true'])).stdout);
    expect(after.profile).toBe('python-dev');
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'))).toEqual({ detach_key: 'C-a', default_profile: 'python-dev' });
    const explicit = JSON.parse((await cli(['run', '--dry-run', '--json', '-p', 'default', '--', 'true'])).stdout);
    expect(explicit.profile).toBe('default');
    const bad = await cli(['profile', 'use', 'no-such-profile']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).default_profile).toBe('python-dev');
    expect((await cli(['profile', 'use', 'default'])).code).toBe(0);
  });

  it('answers to `nono profiles list` as to `nono profile list`', async () => {
    const a = await cli(['profiles', 'list', '--json']);
    const b = await cli(['profile', 'list', '--json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('allow_gpu', () => {
  it('says in --dry-run what it granted, and grants nothing GPU without it', async () => {
    const profiles = join(ctx.world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'gpu.json'), JSON.stringify({ extends: 'default', allow_gpu: true }));
    const gpu = JSON.parse((await cli(['run', '--dry-run', '--json', '-p', 'gpu', '--', 'true'])).stdout) as { notes: string[]; rules: { path: string; source: string }[] };
    expect(gpu.notes.some((n) => n.startsWith('allow_gpu'))).toBe(true);
    const plain = JSON.parse((await cli(['run', '--dry-run', '--json', '--', 'true'])).stdout) as { rules: { path: string; source: string }[] };
    expect(plain.rules.filter((r) => r.source.includes('allow_gpu'))).toEqual([]);
    expect(plain.rules.map((r) => r.path)).not.toContain('/dev/dri');
  });
});
