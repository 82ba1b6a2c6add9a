// The spellings a user brings from the articles and the Rust nono, against a real daemon: each
// works or answers with the right one (did you mean), and `nono completion` completes what the
// command table holds, checked by sourcing the script in a real bash.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const cli = (...args: string[]) => runCli(args, ctx.world, { timeoutMs: 60_000 });

beforeAll(() => {
  writeFileSync(join(ctx.world.work, 'mine.json'), JSON.stringify({ extends: 'default', groups: { include: ['node_runtime'] } }));
});

describe('the articles\' spellings', () => {
  it('nono policy profiles lists the profiles, as nono profile list does', async () => {
    const policy = await cli('policy', 'profiles', '--json');
    expect(policy.code, policy.stderr).toBe(0);
    const names = (JSON.parse(policy.stdout) as { name: string }[]).map((p) => p.name);
    expect(names).toContain('claude-code');
    expect(JSON.parse((await cli('profile', 'list', '--json')).stdout)).toEqual(JSON.parse(policy.stdout));
  });

  it('nono policy validate checks a profile file, as nono profile validate does', async () => {
    const r = await cli('policy', 'validate', 'mine.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid .*mine\.json/);
  });

  it('a mistyped command, flag, profile, group or network profile answers with the right one', async () => {
    const command = await cli('polcy', 'groups');
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/Did you mean policy\?/);
    const flag = await cli('run', '--dry-rn', '--', 'true');
    expect(flag.code).toBe(125);
    expect(flag.stderr).toMatch(/Did you mean --dry-run\?/);
    const profile = await cli('run', '--dry-run', '-p', 'claud-code', '--', 'true');
    expect(profile.code).not.toBe(0);
    expect(profile.stderr).toMatch(/no profile named claud-code \(did you mean claude-code\?\)/);
    const group = await cli('policy', 'groups', 'node_runtme');
    expect(group.code).not.toBe(0);
    expect(group.stderr).toMatch(/unknown security group node_runtme \(did you mean node_runtime\?\)/);
    const network = await cli('run', '--dry-run', '--network-profile', 'developr', '--', 'true');
    expect(network.code).not.toBe(0);
    expect(network.stderr).toMatch(/unknown network profile developr \(did you mean developer\?\)/);
    writeFileSync(join(ctx.world.work, 'typo.json'), JSON.stringify({ extends: 'default', groups: { include: ['python_runtme'] } }));
    const inProfile = await cli('profile', 'validate', 'typo.json');
    expect(inProfile.code).toBe(1);
    expect(inProfile.stderr).toMatch(/unknown group python_runtme \(did you mean python_runtime\?\)/);
  });

  it('the Rust nono\'s profile show|diff|groups work; its rollback, session cleanup and trust init answer with the spelling here', async () => {
    const show = await cli('profile', 'show', 'default', '--json');
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toEqual(JSON.parse((await cli('policy', 'show', 'default', '--json')).stdout));
    expect((await cli('profile', 'groups', '--json')).code).toBe(0);
    for (const [args, answer] of [
      [['rollback', 'restore', 'fix-1'], /^nono: nono rollback restore: use `nono session rollback \[SESSION\]/],
      [['rollback', 'list'], /use `nono snapshot list`/],
      [['session', 'cleanup'], /use `nono prune`/],
      [['trust', 'init'], /use `nono trust keygen`/],
    ] as const) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(answer);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const why = await cli('why', '--path', join(ctx.world.home, '.ssh', 'id_rsa'), '--op', 'read', '--json');
    expect(why.code, why.stderr).toBe(0);
    expect(JSON.parse(why.stdout)).toMatchObject({ status: 'BLOCKED' });
    // A command of this nono is never shadowed by the table.
    expect((await cli('session', 'diff', '--help')).code).toBe(0);
  });

  it('profile init --full --output --description writes a complete template where asked, and it validates', async () => {
    const out = join(ctx.world.work, 'profiles', 'agent.json');
    mkdirSync(join(ctx.world.work, 'profiles'), { recursive: true });
    const r = await cli('profile', 'init', 'agent', '--full', '--output', 'profiles/agent.json', '--description', 'my agent');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`created ${out}\n`);
    const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(written.meta).toMatchObject({ name: 'agent', description: 'my agent' });
    for (const section of ['filesystem', 'network', 'environment', 'commands', 'policy', 'rollback', 'workdir']) expect(written).toHaveProperty(section);
    expect(written.filesystem).toHaveProperty('write_file', []);
    const valid = await cli('profile', 'validate', out);
    expect(valid.code, valid.stderr).toBe(0);
    // The user profile dir was not written.
    expect((await cli('profile', 'list', '--json')).stdout).not.toMatch(/"agent"/);
  });

  it('learn -v lists system paths, as --all does', async () => {
    const verbose = await cli('learn', '-v', '--yes', '--', 'cat', '/etc/hostname');
    expect(verbose.code, verbose.stderr).toBe(0);
    const quiet = await cli('learn', '--yes', '--', 'cat', '/etc/hostname');
    expect(verbose.stdout).toMatch(/^ {2}\/etc\/hostname {2}\(system\)$/m);
    expect(quiet.stdout).not.toMatch(/\(system\)/);
  });
});

describe('nono completion', () => {
  const complete = (script: string, line: string): string[] => {
    // COMP_WORDS as bash splits the line; the last word is the one being completed.
    const words = line.split(' ');
    const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _nono; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '-c', program], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  };

  it('the bash script, sourced in a real bash, completes commands, subcommands and flags from the command table', async () => {
    const r = await cli('completion', 'bash');
    expect(r.code, r.stderr).toBe(0);
    expect(complete(r.stdout, 'nono po')).toEqual(['policy']);
    // run-report is the launcher's, hidden from help and from completion.
    expect(complete(r.stdout, 'nono ru')).toEqual(['run']);
    expect(complete(r.stdout, 'nono policy ')).toEqual(expect.arrayContaining(['groups', 'show', 'diff', 'profiles', 'validate']));
    expect(complete(r.stdout, 'nono policy pro')).toEqual(['profiles']);
    expect(complete(r.stdout, 'nono run --dry')).toEqual(['--dry-run']);
    expect(complete(r.stdout, 'nono profile init --fu')).toEqual(['--full']);
    expect(complete(r.stdout, 'nono completion ')).toEqual(['--help']);
    // After --, the words belong to the sandboxed command.
    expect(complete(r.stdout, 'nono run -- po')).toEqual([]);
  });

  it('zsh and fish scripts name every top-level command; another shell is refused', async () => {
    const help = await cli('--help');
    const commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(15);
    const zsh = await cli('completion', 'zsh');
    expect(zsh.stdout).toMatch(/^#compdef nono/);
    const fish = await cli('completion', 'fish');
    for (const command of commands) {
      expect(zsh.stdout).toContain(`'nono ${command}'`);
      expect(fish.stdout).toContain(`-a '${command}'`);
    }
    const bad = await cli('completion', 'tcsh');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tcsh is not bash, zsh or fish/);
  });
});
