// Profiles written for the Rust nono load, resolve and run unchanged; `nono why` explains
// decisions by rule and group; environment policy holds; bad profiles fail with one line that
// names the file and the key, and nothing runs.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { expectRunRefused } from '../support/refused-run.js';

const ctx = usePrivateDaemon();
let profilesDir: string;

function saveProfile(name: string, text: string): string {
  const file = join(profilesDir, `${name}.json`);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  profilesDir = join(ctx.world.root, 'config', 'nono', 'profiles');
  mkdirSync(profilesDir, { recursive: true });
  mkdirSync(join(ctx.world.home, 'reference'), { recursive: true });
  writeFileSync(join(ctx.world.home, 'reference', 'notes.md'), 'reference notes\n');
  mkdirSync(join(ctx.world.home, '.claude'), { recursive: true });
  writeFileSync(join(ctx.world.home, '.claude.json'), '{}\n');
  mkdirSync(join(ctx.world.home, '.config', 'crush'), { recursive: true });
  mkdirSync(join(ctx.world.work, 'src'), { recursive: true });
  // As users save them: comments, trailing commas, the upstream keys.
  saveProfile(
    'base',
    `{
  // my base for every agent
  "extends": "default",
  "meta": { "name": "base", "version": "1.0" },
  "groups": { "include": ["node_runtime", "python_runtime", "git_config"] },
  "filesystem": {
    "allow": ["$WORKDIR"],
    "read": ["~/reference"],
    "read_file": ["$HOME/reference/notes.md"],
  },
  "environment": { "allow_vars": ["PATH", "HOME", "LANG", "TERM"] },
  "workdir": { "access": "readwrite" }
}`,
  );
  saveProfile(
    'claude',
    `{
  "extends": "base",
  "meta": { "name": "claude", "description": "Claude Code my way" },
  "filesystem": { "allow": ["~/.claude"], "allow_file": ["~/.claude.json"] },
  "network": { "allow_domain": ["api.anthropic.com", "statsig.anthropic.com"] },
  "allow_launch_services": true,
  "interactive": true
}`,
  );
  saveProfile(
    'crush',
    `{
  "extends": "base",
  "meta": { "name": "crush" },
  "filesystem": { "allow": ["~/.config/crush", "~/.local/share/crush"] },
  "allow_gpu": true
}`,
  );
});

const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) => runCli(args, ctx.world, options);

describe('user profiles in the upstream format', () => {
  it('resolves a claude-style profile through its extends chain', async () => {
    const r = await run(['policy', 'show', 'claude', '--json']);
    expect(r.stderr).toBe('');
    const plan = JSON.parse(r.stdout);
    expect(plan.profileChain).toEqual(['default', 'base', 'claude']);
    expect(plan.groups).toEqual(expect.arrayContaining(['deny_credentials', 'node_runtime', 'git_config']));
    expect(plan.interactive).toBe(true);
    expect(plan.hosts.allow).toEqual(expect.arrayContaining(['api.anthropic.com']));
    const paths = plan.rules.map((rule: { path: string }) => rule.path);
    expect(paths).toEqual(expect.arrayContaining([ctx.world.work, join(ctx.world.home, '.claude'), join(ctx.world.home, '.claude.json'), join(ctx.world.home, 'reference')]));
  });

  it('runs a command under each of the three profiles', async () => {
    for (const profile of ['base', 'claude', 'crush']) {
      const r = await run(['run', '-p', profile, '--', 'sh', '-c', 'cat ~/reference/notes.md && echo made > ./out.txt && cat ./out.txt']);
      expect(r.stderr, profile).toBe('');
      expect(r.stdout, profile).toBe('reference notes\nmade\n');
      expect(r.code, profile).toBe(0);
    }
  });

  it('keeps the credentials out under every profile', async () => {
    for (const profile of ['base', 'claude', 'crush']) {
      const r = await run(['run', '-p', profile, '--', 'cat', join(ctx.world.home, '.ssh', 'id_rsa')]);
      expect(r.code, profile).not.toBe(0);
      expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('resolves ~/ paths and allow_gpu for a crush-style profile', async () => {
    const plan = JSON.parse((await run(['policy', 'show', 'crush', '--json'])).stdout);
    expect(plan.rules.map((rule: { path: string }) => rule.path)).toContain(join(ctx.world.home, '.config', 'crush'));
    expect(plan.notes.join('\n')).toMatch(/\.local\/share\/crush.*does not exist; skipped/);
  });

  it('lists user profiles beside the built-ins and diffs them', async () => {
    const list = JSON.parse((await run(['profile', 'list', '--json'])).stdout);
    const names = list.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'claude-code', 'node-dev', 'base', 'claude', 'crush']));
    const diff = JSON.parse((await run(['policy', 'diff', 'base', 'claude', '--json'])).stdout);
    expect(diff.rules).toContainEqual({ path: join(ctx.world.home, '.claude'), a: null, b: 'readwrite' });
  });
});

describe('nono why', () => {
  it('says ~/.ssh/id_rsa is BLOCKED by deny_credentials', async () => {
    const r = await run(['why', '~/.ssh/id_rsa', '--json']);
    const verdict = JSON.parse(r.stdout);
    expect(verdict).toMatchObject({ status: 'BLOCKED', group: 'deny_credentials' });
    const human = await run(['why', '~/.ssh/id_rsa']);
    expect(human.stdout).toMatch(/^BLOCKED read .*\.ssh\/id_rsa/);
    expect(human.stdout).toMatch(/deny_credentials/);
  });

  it('says ./src/x.ts --op write under --allow-cwd is ALLOWED by the workdir grant', async () => {
    const verdict = JSON.parse((await run(['why', './src/x.ts', '--op', 'write', '--allow-cwd', '--json'])).stdout);
    expect(verdict).toMatchObject({ status: 'ALLOWED', rule: { path: ctx.world.work, source: '--allow-cwd' } });
    const without = JSON.parse((await run(['why', './src/x.ts', '--op', 'write', '--json'])).stdout);
    expect(without.status).toBe('BLOCKED');
  });

  it('names the group for a system path, and says read-only grants do not allow writes', async () => {
    const read = JSON.parse((await run(['why', '/usr/bin/env', '--json'])).stdout);
    expect(read).toMatchObject({ status: 'ALLOWED', group: 'system_read_linux' });
    const write = JSON.parse((await run(['why', '/usr/bin/env', '--op', 'write', '--json'])).stdout);
    expect(write.status).toBe('BLOCKED');
    expect(write.reason).toMatch(/read only/);
  });

  it('answers for hosts from the profile allowlist', async () => {
    const yes = JSON.parse((await run(['why', '--host', 'api.anthropic.com', '-p', 'claude', '--json'])).stdout);
    expect(yes.status).toBe('ALLOWED');
    const no = JSON.parse((await run(['why', '--host', 'evil.example', '-p', 'claude', '--json'])).stdout);
    expect(no.status).toBe('BLOCKED');
    const blocked = JSON.parse((await run(['why', '--host', 'api.anthropic.com', '--net-block', '--json'])).stdout);
    expect(blocked).toMatchObject({ status: 'BLOCKED', enforced: true });
  });
});

describe('environment policy', () => {
  // The client is a Node program started with this environment too, so the values must not
  // break it; what matters is that they never reach the sandboxed child.
  const hostile = {
    SECRET_TOKEN: 'leak',
    PLAIN_SETTING: 'passes',
    LD_PRELOAD: 'libc.so.6',
    NODE_OPTIONS: '--max-old-space-size=1234',
    BASH_ENV: '/tmp/evil.sh',
    PYTHONSTARTUP: '/tmp/evil.py',
    PERL5OPT: '-Mevil',
  };

  it('passes only allow_vars plus what nono sets', async () => {
    saveProfile('env-only', '{ "extends": "default", "environment": { "allow_vars": ["PATH", "HOME"] } }');
    const r = await run(['run', '-p', 'env-only', '--', 'env'], { env: hostile });
    const names = r.stdout.trim().split('\n').map((line) => line.split('=')[0]).sort();
    expect(names.filter((n) => !['NONO_SESSION', 'TMPDIR', 'TMP', 'TEMP', 'PWD', 'SHLVL', '_'].includes(n!))).toEqual(['HOME', 'PATH']);
  });

  it('never passes loader-hijack variables, even with a broad pattern, unless named exactly', async () => {
    saveProfile('env-wide', '{ "extends": "default", "environment": { "allow_vars": ["*"] } }');
    const wide = await run(['run', '-p', 'env-wide', '--', 'env'], { env: hostile });
    for (const name of ['LD_PRELOAD', 'NODE_OPTIONS', 'BASH_ENV', 'PYTHONSTARTUP', 'PERL5OPT']) expect(wide.stdout).not.toMatch(new RegExp(`^${name}=`, 'm'));
    expect(wide.stdout).toMatch(/^PLAIN_SETTING=passes$/m);
    // It looks like a secret: withheld as well, a pattern never passes it.
    expect(wide.stdout).not.toMatch(/^SECRET_TOKEN=/m);
    saveProfile('env-named', '{ "extends": "default", "environment": { "allow_vars": ["PATH", "NODE_OPTIONS"], "deny_vars": ["SECRET_*"], "set_vars": { "CI": "1" } } }');
    const named = await run(['run', '-p', 'env-named', '--', 'env'], { env: { ...hostile, NODE_OPTIONS: '--no-warnings' } });
    expect(named.stdout).toMatch(/^NODE_OPTIONS=--no-warnings$/m);
    expect(named.stdout).toMatch(/^CI=1$/m);
    expect(named.stdout).not.toMatch(/SECRET_TOKEN/);
  });
});

describe('bad profiles', () => {
  const cases: [string, string, RegExp][] = [
    ['cycle-a', '{ "extends": "cycle-b" }', /extends: cycle cycle-a → cycle-b → cycle-a/],
    ['unknown-group', '{ "extends": "default", "groups": { "include": ["no_such_group"] } }', /groups\.include: unknown group no_such_group/],
    ['unknown-key', '{ "extends": "default", "filesystem": { "alow": ["/tmp"] } }', /filesystem\.alow: unknown key "alow"/],
    ['type-error', '{ "extends": "default", "workdir": { "access": "everything" } }', /workdir\.access/],
    ['type-error-2', '{ "network": { "block": "yes" } }', /network\.block: must be boolean/],
    ['syntax', '{ "extends": "default", ', /syntax|Expected|expected/i],
    ['missing-parent', '{ "extends": "no-such-profile" }', /extends: no profile named no-such-profile/],
    ['excludes-required', '{ "extends": "default", "groups": { "exclude": ["deny_credentials"] } }', /deny_credentials is a required deny group and cannot be excluded/],
  ];

  it.each(cases)('%s: validate exits 1 naming the file and key; run refuses and runs nothing', async (name, text, message) => {
    if (name === 'cycle-a') saveProfile('cycle-b', '{ "extends": "cycle-a" }');
    const file = saveProfile(name, text);
    const validate = await run(['profile', 'validate', file]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(message);
    expect(validate.stderr).toContain(profilesDir);
    await expectRunRefused(ctx.world, name, message);
  });

  it('reports a missing profile file and a missing profile name in one line', async () => {
    const file = await run(['profile', 'validate', join(profilesDir, 'absent.json')]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/absent\.json: cannot read the profile \(ENOENT\)/);
    const name = await run(['run', '-p', 'absent', '--', 'true']);
    expect(name.code).toBe(125);
    expect(name.stderr).toMatch(/no profile named absent/);
  });

  it('validates a good profile with exit 0, and prints the schema', async () => {
    const ok = await run(['profile', 'validate', join(profilesDir, 'claude.json')]);
    expect(ok.code).toBe(0);
    const schema = JSON.parse((await run(['profile', 'schema'])).stdout);
    expect(schema.properties.filesystem.properties.allow).toBeDefined();
  });
});

describe('profile init and groups', () => {
  it('creates a profile that validates and runs, and refuses to overwrite it', async () => {
    const created = JSON.parse((await run(['profile', 'init', 'fresh', '--extends', 'node-dev', '--groups', 'git_config', '--json'])).stdout);
    expect(created.file).toBe(join(profilesDir, 'fresh.json'));
    expect((await run(['profile', 'validate', created.file])).code).toBe(0);
    expect((await run(['run', '-p', 'fresh', '--', 'true'])).code).toBe(0);
    const again = await run(['profile', 'init', 'fresh']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('lists groups from the data file and shows one', async () => {
    const groups = JSON.parse((await run(['policy', 'groups', '--json'])).stdout);
    const required = groups.filter((g: { required: boolean }) => g.required).map((g: { name: string }) => g.name);
    expect(required).toEqual(expect.arrayContaining(['deny_credentials', 'deny_keychains_linux', 'deny_browser_data_linux', 'deny_shell_history', 'deny_shell_configs']));
    const one = JSON.parse((await run(['policy', 'groups', 'deny_credentials', '--json'])).stdout);
    expect(one[0].paths.deny).toEqual(expect.arrayContaining(['~/.ssh']));
    const unknown = await run(['policy', 'groups', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown security group nope/);
  });
});

describe('built-in agent profiles under the kernel', () => {
  it('claude-code reads and writes its own config and the workdir, and nothing of the credentials', async () => {
    writeFileSync(join(ctx.world.home, '.claude', 'settings.json'), '{"theme":"dark"}\n');
    const r = await run(['run', '-p', 'claude-code', '--', 'sh', '-c', 'cat ~/.claude/settings.json && echo saved >> ~/.claude/settings.json && echo y > ./made-by-agent && cat ~/.ssh/id_rsa']);
    expect(r.stdout).toBe('{"theme":"dark"}\n');
    expect(r.stderr).toMatch(/Permission denied|No such file/);
    expect(r.code).not.toBe(0);
    expect(readFileSync(join(ctx.world.home, '.claude', 'settings.json'), 'utf8')).toBe('{"theme":"dark"}\nsaved\n');
    expect(existsSync(join(ctx.world.work, 'made-by-agent'))).toBe(true);
  });

  it('crush writes its config dir but not claude-code\'s', async () => {
    const r = await run(['run', '-p', 'crush', '--', 'sh', '-c', 'echo x > ~/.config/crush/state && echo x > ~/.claude/stolen']);
    expect(r.code).not.toBe(0);
    expect(existsSync(join(ctx.world.home, '.config', 'crush', 'state'))).toBe(true);
    expect(existsSync(join(ctx.world.home, '.claude', 'stolen'))).toBe(false);
  });
});

describe('command-line flags on top of a profile', () => {
  it('adds read-only and single-file grants', async () => {
    writeFileSync(join(ctx.world.work, 'src', 'out.txt'), '');
    const r = await run(['run', '-r', '~/reference', '--write-file', './src/out.txt', '--', 'sh', '-c', 'cat ~/reference/notes.md; echo w > ./src/out.txt; echo no > ~/reference/new']);
    expect(r.stdout).toBe('reference notes\n');
    expect(r.code).not.toBe(0);
    expect(readFileSync(join(ctx.world.work, 'src', 'out.txt'), 'utf8')).toBe('w\n');
    expect(existsSync(join(ctx.world.home, 'reference', 'new'))).toBe(false);
  });

  it('lifts a deny with --bypass-protection only together with a grant', async () => {
    const alone = await run(['run', '--bypass-protection', '~/.ssh', '--', 'true']);
    expect(alone.code).toBe(125);
    expect(alone.stderr).toMatch(/no grant reaches it/);
    const granted = await run(['run', '--read', '~/.ssh', '--bypass-protection', '~/.ssh', '--', 'cat', join(ctx.world.home, '.ssh', 'id_rsa')]);
    expect(granted.stdout).toMatch(/PRIVATE KEY/);
  });

  it('takes the host list of --network-profile and --allow-domain into the plan', async () => {
    const plan = JSON.parse((await run(['run', '--network-profile', 'codex', '--allow-domain', 'api.example.com', '--dry-run', '--json', '--', 'true'])).stdout);
    expect(plan.hosts.networkProfile).toBe('codex');
    expect(plan.hosts.allow).toEqual(expect.arrayContaining(['api.openai.com', 'registry.npmjs.org', 'api.example.com']));
    const unknown = await run(['run', '--network-profile', 'nope', '--', 'true']);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toMatch(/unknown network profile nope; known: .*claude-code/);
  });
});
