// `nono profile validate` says valid only when `nono run` would start: a grant of a protected
// path that exists here, an unknown credential name and an unknown group are refused by both,
// with the same reason, because validate compiles the plan a run here would compile.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const cli = (...args: string[]) => runCli(args, ctx.world, { timeoutMs: 60_000 });
const profile = (name: string, body: object): string => {
  writeFileSync(join(ctx.world.work, name), JSON.stringify({ extends: 'default', ...body }));
  return name;
};

beforeAll(() => {
  profile('chrome.json', { filesystem: { read: ['~/.config/google-chrome/'] } });
  profile('credential.json', { network: { credentials: ['anthropc'] } });
  profile('fine.json', { filesystem: { read: ['~/.config/google-chrome/'] }, network: { credentials: ['anthropic'] } });
});

describe('profile validate: valid means runnable', () => {
  it('a granted protected path that exists in the caller\'s home is refused by validate exactly as by run; absent, both accept it', async () => {
    // The shell's HOME, not the daemon's, is the ~ a run resolves; validate must resolve the same one.
    const home = join(ctx.world.root, 'other-home');
    const chrome = join(home, '.config', 'google-chrome');
    mkdirSync(chrome, { recursive: true });
    const asUser = (...args: string[]) => runCli(args, ctx.world, { env: { HOME: home }, timeoutMs: 60_000 });
    const validate = await asUser('profile', 'validate', 'chrome.json');
    expect(validate.code).toBe(1);
    const run = await asUser('run', '-p', 'chrome.json', '--', 'true');
    expect(run.code).toBe(125);
    const reason = /google-chrome.*(can never be exposed|protected)/;
    expect(validate.stderr).toMatch(reason);
    expect(run.stderr).toMatch(reason);
    rmSync(chrome, { recursive: true });
    expect((await asUser('profile', 'validate', 'chrome.json')).code).toBe(0);
  });

  it('an unknown credential name is refused by validate, with the name it probably meant', async () => {
    const validate = await cli('profile', 'validate', 'credential.json');
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(/unknown credential anthropc \(did you mean anthropic\?\)/);
    const run = await cli('run', '-p', 'credential.json', '--', 'true');
    expect(run.code).toBe(125);
    expect(run.stderr).toMatch(/unknown credential anthropc/);
    const json = JSON.parse((await cli('profile', 'validate', 'credential.json', '--json')).stdout) as { valid: boolean; problems: { message: string }[] };
    expect(json.valid).toBe(false);
    expect(json.problems).toHaveLength(1);
  });

  it('a profile whose grants and credentials are all known validates and runs', async () => {
    const validate = await cli('profile', 'validate', 'fine.json');
    expect(validate.code, validate.stderr).toBe(0);
    const run = await cli('run', '-p', 'fine.json', '--dry-run', '--', 'true');
    expect(run.code, run.stderr).toBe(0);
  });
});
