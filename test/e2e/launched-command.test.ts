// The launched command is found on the user's PATH and runs even when it is installed in the
// home, outside every grant: Claude Code's own installer (~/.local/bin/claude -> a version
// dir), an npm-global package and an nvm one, each a `#!/usr/bin/env node` script. A missing
// command exits 127 naming where nono looked; a command in a protected path is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, usePrivateDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

const install = (path: string, text: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
};
const link = (path: string, target: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
};

/** Claude Code as its installer, npm -g and nvm leave it, and a tool inside a protected path. */
function installAgents(home: string): void {
  // Claude Code's installer: a symlink in ~/.local/bin into a version directory.
  install(join(home, '.local/share/claude/versions/1.2.3/claude'), '#!/usr/bin/env node\nconsole.log(`1.2.3 (Claude Code) ${process.argv[2]}`);\n');
  link(join(home, '.local/bin/claude'), '../share/claude/versions/1.2.3/claude');
  // npm install -g with a prefix in the home.
  install(join(home, '.npm-global/lib/node_modules/@anthropic-ai/claude-code/cli.js'), "#!/usr/bin/env node\nconsole.log('2.0.0 (Claude Code, npm)');\n");
  link(join(home, '.npm-global/bin/claude'), '../lib/node_modules/@anthropic-ai/claude-code/cli.js');
  // nvm: node and the global package both in the node version directory.
  const nvm = join(home, '.nvm/versions/node/v20.1.0');
  // Its node is a stand-in that says it ran: env would find /usr/bin/node if this one were missing.
  install(join(nvm, 'bin/node'), `#!/bin/sh\necho 'node from nvm' >&2\nexec ${process.execPath} "$@"\n`);
  install(join(nvm, 'lib/node_modules/@anthropic-ai/claude-code/cli.js'), "#!/usr/bin/env node\nconsole.log('3.0.0 (Claude Code, nvm)');\n");
  link(join(nvm, 'bin/claude'), '../lib/node_modules/@anthropic-ai/claude-code/cli.js');
  install(join(home, '.ssh/tool'), '#!/bin/sh\necho ran from .ssh\n');
}

describe.each(users)('the launched command as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  const nono = (args: string[], path: string) => runCli(args, world, { env: { PATH: `${path}:/usr/local/bin:/usr/bin:/bin` }, ...(as ? { as } : {}) });

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    installAgents(world.home);
    if (as) execFileSync('chown', ['-hR', `${as.uid}:${as.gid}`, world.home]);
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });

  it('runs ~/.local/bin/claude, granting its version directory and saying so in one line', async () => {
    const r = await nono(['run', '--allow-cwd', '--', 'claude', '--version'], join(world.home, '.local/bin'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1.2.3 (Claude Code) --version\n');
    const versionDir = join(world.home, '.local/share/claude/versions/1.2.3');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`launched command claude: outside the grants, so read+execute is granted on ${versionDir} (claude)`);
  });

  it('runs an npm-global and an nvm-installed claude (#!/usr/bin/env node)', async () => {
    const npm = await nono(['run', '--allow-cwd', '--', 'claude', '--version'], join(world.home, '.npm-global/bin'));
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout).toBe('2.0.0 (Claude Code, npm)\n');
    expect(npm.stderr).toContain(join(world.home, '.npm-global/lib/node_modules/@anthropic-ai/claude-code'));
    // The interpreter is found and granted too: nvm's node, with its whole version directory.
    const nvm = await nono(['run', '--allow-cwd', '--', 'claude', '--version'], join(world.home, '.nvm/versions/node/v20.1.0/bin'));
    expect(nvm.code, nvm.stderr).toBe(0);
    expect(nvm.stdout).toBe('3.0.0 (Claude Code, nvm)\n');
    expect(nvm.stderr).toContain('node from nvm');
    expect(nvm.stderr).toContain(`${join(world.home, '.nvm/versions/node/v20.1.0')} (claude's interpreter node)`);
  });

  it('shows the grant in --dry-run, as a rule from the launched command and a note', async () => {
    const r = await nono(['run', '--allow-cwd', '--dry-run', '--json', '--', 'claude'], join(world.home, '.local/bin'));
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    const versionDir = join(world.home, '.local/share/claude/versions/1.2.3');
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: versionDir, access: 'read', source: 'launched command claude' }));
    expect(plan.launch).toMatchObject({ command: 'claude', file: join(versionDir, 'claude'), granted: [versionDir] });
    expect(plan.notes.join('\n')).toContain('launched command claude: outside the grants');
    const already = JSON.parse((await nono(['run', '--allow-cwd', '--dry-run', '--json', '--', 'ls'], '/usr/bin')).stdout);
    expect(already.launch).toMatchObject({ file: '/usr/bin/ls', granted: [], note: null });
  });

  it('starts the command with no signal ignored or blocked, whatever the daemon ignores itself', async () => {
    // nonod ignores SIGPIPE, and starts the helper through posix_spawn, which leaves glibc's own two signals ignored.
    const r = await nono(['run', '--', 'grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'], '/usr/bin');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
  });

  it('exits 127 for a missing command, naming the PATH it searched', async () => {
    const r = await nono(['run', '--allow-cwd', '--', 'no-such-agent'], join(world.home, '.local/bin'));
    expect(r.code).toBe(127);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`command not found: no-such-agent; nono looked in the PATH it was given: ${join(world.home, '.local/bin')}:/usr/local/bin:/usr/bin:/bin`);
  });

  it('refuses, in one line, to grant a command that lives in a protected path', async () => {
    const r = await nono(['run', '--allow-cwd', '--', 'tool'], join(world.home, '.ssh'));
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/launched command tool: .*\.ssh.* \(deny_credentials\); nono never grants a protected path/);
    expect(r.stdout).not.toContain('ran from .ssh');
  });
});

describe('the launched command on Landlock alone', () => {
  const ctx = usePrivateDaemon({ daemon: { helperFlags: ['--no-userns'] } });
  const nono = (args: string[]) => runCli(args, ctx.world, { env: { PATH: `${join(ctx.world.home, '.local/bin')}:/usr/local/bin:/usr/bin:/bin` } });

  it('is found and granted without the view too, and rm is still refused at launch', async () => {
    installAgents(ctx.world.home);
    const r = await nono(['run', '--allow-cwd', '--', 'claude', 'x']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1.2.3 (Claude Code) x\n');
    const rm = await nono(['run', '--allow-cwd', '--', 'rm', '-f', 'file.txt']);
    expect(rm.code).toBe(126);
    expect(rm.stderr).toMatch(/--allow-command rm/);
    expect(existsSync(join(ctx.world.work, 'file.txt'))).toBe(true);
  });
});
