// Keys from commands: the output (one trailing newline dropped) is the key, cached for the TTL
// and shared by concurrent starts; failures name the credential and the exit status, never
// what the command printed; op:// and bw:// become argv, never a shell string.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failure } from '../../../test/support/nono-failure.js';
import { CommandSecrets, commandTtlSeconds, secretCommandFor, type SecretCommand } from '../../src/credentials/credential-command.js';
import { resolveCredential } from '../../src/credentials/credential-source.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nono-credcmd-'));
  dirs.push(dir);
  return dir;
}

const shell = (command: string): SecretCommand => secretCommandFor('test', `cmd://${command}`)!;
const env = { PATH: process.env.PATH, HOME: tmpdir() };

describe('secretCommandFor', () => {
  it('runs cmd:// through /bin/sh -c, verbatim', () => {
    expect(secretCommandFor('openai', "cmd://printf '%s' secret")).toEqual({ argv: ['/bin/sh', '-c', "printf '%s' secret"], display: "cmd://printf '%s' secret" });
  });

  it('turns op:// and bw:// into argv, so shell syntax in them stays literal', () => {
    expect(secretCommandFor('openai', 'op://Private/OpenAI $(touch x)/credential')!.argv).toEqual(['op', 'read', 'op://Private/OpenAI $(touch x)/credential']);
    expect(secretCommandFor('openai', 'bw://my item; rm -rf ~')!.argv).toEqual(['bw', 'get', 'password', 'my item; rm -rf ~']);
  });

  it('refuses a bw item that bw would read as an option, and an empty command', () => {
    expect(() => secretCommandFor('openai', 'bw://--session=x')).toThrow(/credential openai: bw:\/\/--session=x names no Bitwarden item/);
    expect(() => secretCommandFor('openai', 'cmd://  ')).toThrow(/credential openai: cmd:\/\/ names no command/);
  });

  it('leaves other sources alone', () => {
    expect(secretCommandFor('openai', 'env://OPENAI_API_KEY')).toBeUndefined();
    expect(secretCommandFor('openai', 'file:///k')).toBeUndefined();
  });
});

describe('CommandSecrets', () => {
  it('takes stdout as the key, dropping one trailing newline only', async () => {
    const secrets = new CommandSecrets({ ttlSeconds: () => 0 });
    expect(await secrets.read('test', shell('echo sk-one'), env)).toBe('sk-one');
    expect(await secrets.read('test', shell("printf ' sk-two \\n\\n'"), env)).toBe(' sk-two \n');
    expect(await secrets.read('test', shell("printf 'sk-three\\r\\n'"), env)).toBe('sk-three');
  });

  it('runs the command again only once the TTL has passed', async () => {
    const counter = join(scratch(), 'runs');
    let clock = 1_000_000;
    const secrets = new CommandSecrets({ now: () => clock, ttlSeconds: () => 300 });
    const command = shell(`echo x >> ${counter}; echo sk-$(wc -l < ${counter})`);
    expect(await secrets.read('test', command, env)).toBe('sk-1');
    clock += 299_000;
    expect(await secrets.read('test', command, env)).toBe('sk-1');
    clock += 2_000;
    expect(await secrets.read('test', command, env)).toBe('sk-2');
  });

  it('runs it once for concurrent reads, and every time with a TTL of 0', async () => {
    const counter = join(scratch(), 'runs');
    const command = shell(`echo x >> ${counter}; sleep 0.2; echo sk`);
    const cached = new CommandSecrets({ ttlSeconds: () => 60 });
    await Promise.all([cached.read('a', command, env), cached.read('b', command, env)]);
    expect(readFileSync(counter, 'utf8')).toBe('x\n');
    const uncached = new CommandSecrets({ ttlSeconds: () => 0 });
    await uncached.read('a', command, env);
    await uncached.read('a', command, env);
    expect(readFileSync(counter, 'utf8')).toBe('x\nx\nx\n');
  });

  it('keeps no failure: the next read runs the command again', async () => {
    const flag = join(scratch(), 'ready');
    const secrets = new CommandSecrets({ ttlSeconds: () => 300 });
    const command = shell(`test -e ${flag} && echo sk-late`);
    await failure(secrets.read('test', command, env));
    writeFileSync(flag, '');
    expect(await secrets.read('test', command, env)).toBe('sk-late');
  });

  it('names the credential and the exit status on failure, never the output', async () => {
    const secrets = new CommandSecrets({ ttlSeconds: () => 0 });
    const error = await failure(secrets.read('openai', secretCommandFor('openai', 'cmd://echo sk-leaked; exit 3')!, env));
    expect(error.kind).toBe('CREDENTIAL_UNAVAILABLE');
    expect(error.message).toBe('credential openai: cmd://echo sk-leaked; exit 3 exited with status 3; run it yourself to see why (nono never shows its output)');
    expect(error.details).toEqual({ credential: 'openai' });
    const missing = await failure(secrets.read('openai', shell('no-such-command-nono'), env));
    expect(missing.message).toMatch(/exited with status 127 \(command not found\)/);
  });

  it('refuses empty output', async () => {
    const error = await failure(new CommandSecrets({ ttlSeconds: () => 0 }).read('openai', shell('echo'), env));
    expect(error.message).toBe('credential openai: cmd://echo printed nothing; it must print the key on stdout');
  });

  it('kills a command that hangs, with whatever it started, after the timeout', async () => {
    const started = Date.now();
    const secrets = new CommandSecrets({ ttlSeconds: () => 0, timeoutMs: 300 });
    const error = await failure(secrets.read('openai', shell('echo sk-partial; sleep 30 | cat'), env));
    expect(error.message).toBe("credential openai: cmd://echo sk-partial; sleep 30 | cat did not finish within 0.3 s; check it runs without a prompt (signed in, unlocked) in the daemon's environment");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says when op or bw is not installed', async () => {
    const secrets = new CommandSecrets({ ttlSeconds: () => 0 });
    const error = await failure(secrets.read('openai', secretCommandFor('openai', 'op://v/i/f')!, { PATH: scratch() }));
    expect(error.message).toBe("credential openai: cannot run op (ENOENT); install it or fix PATH in the daemon's environment");
  });
});

describe('commandTtlSeconds', () => {
  it('is 300 without config.json, and credentials.cmd_ttl_seconds when set', () => {
    const config = scratch();
    expect(commandTtlSeconds({ XDG_CONFIG_HOME: config })).toBe(300);
    mkdirSync(join(config, 'nono'));
    writeFileSync(join(config, 'nono', 'config.json'), JSON.stringify({ credentials: { cmd_ttl_seconds: 0 } }));
    expect(commandTtlSeconds({ XDG_CONFIG_HOME: config })).toBe(0);
    writeFileSync(join(config, 'nono', 'config.json'), JSON.stringify({ credentials: { cmd_ttl_seconds: '5m' } }));
    expect(() => commandTtlSeconds({ XDG_CONFIG_HOME: config })).toThrow(/config\.json: credentials\.cmd_ttl_seconds must be a whole number of seconds/);
  });
});

describe('resolveCredential', () => {
  it('reads a cmd:// source given with the credential', async () => {
    const daemonEnv = { ...env, XDG_CONFIG_HOME: scratch() };
    expect(await resolveCredential('myapi', 'cmd://echo sk-explicit', 'env://NOPE', daemonEnv)).toBe('sk-explicit');
  });
});
