// An agent profile's state paths (filesystem.state, state_file) on a home that never ran the
// agent: --dry-run shows them as created on first run and creates nothing; a run creates them
// private and owned by the user, keeps what is already there, and never creates one inside a
// protected path. As root and as an unprivileged user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

describe.each(users)('agent state paths as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  const run = (args: string[]) => runCli(['run', ...args], world, as ? { as } : {});
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });

  it('shows missing state as created on first run in --dry-run, and creates nothing', async () => {
    const r = await run(['-p', 'claude-code', '--dry-run', '--json', '--', 'true']);
    expect(r.code, r.stderr).toBe(0);
    const rules = JSON.parse(r.stdout).rules as { path: string; access: string; kind: string; create?: boolean }[];
    expect(rules).toContainEqual(expect.objectContaining({ path: join(world.home, '.claude'), access: 'readwrite', kind: 'dir', create: true }));
    expect(rules).toContainEqual(expect.objectContaining({ path: join(world.home, '.claude.json'), access: 'readwrite', kind: 'file', create: true }));
    expect(existsSync(join(world.home, '.claude'))).toBe(false);
    const human = await run(['-p', 'claude-code', '--dry-run', '--', 'true']);
    expect(human.stdout).toMatch(new RegExp(`rw +${join(world.home, '.claude')}/ \\(created on first run\\)`));
  });

  it('creates the state before the sandbox starts, private and the user\'s, and the agent writes there', async () => {
    const r = await run(['-p', 'codex', '--', 'sh', '-c', 'echo session > ~/.codex/session.txt && ls -ld ~/.codex']);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(join(world.home, '.codex'))).toBe('700');
    expect(statSync(join(world.home, '.codex')).uid).toBe(as?.uid ?? 0);
    expect(readFileSync(join(world.home, '.codex', 'session.txt'), 'utf8')).toBe('session\n');
    const claude = await run(['-p', 'claude-code', '--', 'sh', '-c', 'cat ~/.claude.json && echo "{\\"n\\":1}" > ~/.claude.json']);
    expect(claude.code, claude.stderr).toBe(0);
    // A .json state file starts as {}: Claude Code refuses an empty one as corrupted.
    expect(claude.stdout).toBe('{}\n');
    expect(mode(join(world.home, '.claude.json'))).toBe('600');
    expect(mode(join(world.home, '.claude'))).toBe('700');
    const again = await run(['-p', 'claude-code', '--dry-run', '--json', '--', 'true']);
    expect(JSON.parse(again.stdout).rules.filter((rule: { create?: boolean }) => rule.create)).toEqual([]);
    await run(['-p', 'claude-code', '--', 'true']);
    expect(readFileSync(join(world.home, '.claude.json'), 'utf8')).toBe('{"n":1}\n');
  });

  it('creates nothing through a symlink on the way, which an earlier sandbox could have planted', async () => {
    const elsewhere = join(world.root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(world.home, '.local'));
    const r = await run(['-p', 'opencode', '--dry-run', '--', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/filesystem\.state \$XDG_DATA_HOME\/opencode: \S*elsewhere\/share\/opencode does not exist and is reached through a symlink .*; not created/);
    await run(['-p', 'opencode', '--', 'true']);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a state path inside a protected one, and creates nothing there', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'sneaky.json'), JSON.stringify({ extends: 'default', filesystem: { state: ['~/.ssh/agent-state'], state_file: ['~/.gnupg/agent.json'] } }));
    if (as) for (const path of [join(world.root, 'config', 'nono'), profiles, join(profiles, 'sneaky.json')]) chownSync(path, as.uid, as.gid);
    const r = await run(['-p', 'sneaky', '--', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/filesystem\.state ~\/\.ssh\/agent-state: .*\.ssh.* is inside .*\.ssh/);
    expect(existsSync(join(world.home, '.ssh', 'agent-state'))).toBe(false);
    expect(existsSync(join(world.home, '.gnupg'))).toBe(false);
  });
});
