// The commands the nono articles show, typed as a reader would, one after another against a
// real daemon: each exits 0 and does what the article says it does.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const cli = (...args: string[]) => runCli(args, ctx.world, { cwd: ctx.world.work, env: { ANTHROPIC_API_KEY: 'sk-ant-article-key' }, timeoutMs: 60_000 });

// The seed profile of the articles: credentials through the proxy, endpoints limited by path.
const SEED = `extends = "claude-code"

[credentials]
proxy_mode = true
keystore = "env"
anthropic = true

[network]
allow_endpoints = ["api.anthropic.com:443/v1/messages", "raw.githubusercontent.com:443/org/*"]

[audit]
integrity_hash = true
`;

describe("the articles' commands", () => {
  let seed: string;
  beforeAll(() => {
    writeFileSync(join(ctx.world.work, 'notes.md'), 'before\n');
    const profiles = join(ctx.world.env.XDG_CONFIG_HOME!, 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    seed = join(profiles, 'seed.toml');
    writeFileSync(seed, SEED);
  });

  it('snapshot create NAME --tag, run --snapshot NAME, snapshot restore NAME', async () => {
    const created = await cli('snapshot', 'create', 'pre-refactor', '--tag', 'baseline');
    expect(created.code, created.stderr).toBe(0);
    const run = await cli('run', '--snapshot', 'agent-run', '--allow-cwd', '--', 'sh', '-c', 'echo after > notes.md');
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(ctx.world.work, 'notes.md'), 'utf8')).toBe('after\n');
    const restored = await cli('snapshot', 'restore', 'pre-refactor');
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(ctx.world.work, 'notes.md'), 'utf8')).toBe('before\n');
    expect((await cli('snapshot', 'show', 'baseline')).code).toBe(0);
  });

  it('policy profiles, policy validate', async () => {
    const profiles = await cli('policy', 'profiles');
    expect(profiles.code, profiles.stderr).toBe(0);
    expect(profiles.stdout).toMatch(/claude-code/);
    const valid = await cli('policy', 'validate', seed);
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
  });

  it('profile init --full --output', async () => {
    const out = join(ctx.world.work, 'my-agent.json');
    const init = await cli('profile', 'init', 'my-agent', '--full', '--output', out, '--description', 'from the article');
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('from the article');
  });

  it('learn -v', async () => {
    const learn = await cli('learn', '-v', '--', 'ls', '/usr/bin');
    expect(learn.code, learn.stderr).toBe(0);
    expect(learn.stdout).toMatch(/\/usr\/bin/);
  });

  it("the seed's TOML profile with [credentials] and allow_endpoints runs", async () => {
    const run = await cli('run', '-p', 'seed', '--allow-cwd', '--', 'sh', '-c', 'test -n "$ANTHROPIC_BASE_URL" && echo ok');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('ok\n');
  });
});
