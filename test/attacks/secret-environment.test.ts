// Escape attempts at the secrets in the shell that runs nono: the sandbox dumps its environment,
// /proc/self/environ, and the environ and argv of every process it can see into files it may
// write. No secret value may appear there, nor anywhere in nono's state and runtime dirs
// (daemon log, database, session output). Run as root and as an unprivileged user, in the view
// and on Landlock alone. Known gap, pinned here: on Landlock alone /proc is the host's and this
// kernel lets a sandboxed process read a same-uid process's environ, so the nono client's own
// (the shell's environment it was started with) is readable; nothing else may be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon, type TestDaemonOptions } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const SECRETS = {
  AWS_SECRET_ACCESS_KEY: `aws-attack-${'1'.repeat(30)}`,
  GITHUB_TOKEN: `ghp_attack${'2'.repeat(30)}`,
  DATABASE_URL: `postgres://app:pw-attack-${'3'.repeat(20)}@db:5432/app`,
  ANTHROPIC_API_KEY: `sk-ant-attack-${'4'.repeat(30)}`,
  MY_OPENAI: `sk-openai-attack-${'5'.repeat(30)}`,
  // What a security review found reaching the sandbox, and keys known by their form alone.
  REDIS_URL: 'redis://:ab/cd+ef-attack6@cache:6379',
  GIT_REMOTE: 'https://ghp_x7attack@github.com/o/r',
  SSHPASS: 'sshpass-attack-8888',
  npm_config__authToken: 'npm-authtoken-attack-9999',
  OPENAI_KEY: 'openai-key-attack-1010',
  STRIPE_KEY: 'stripe-key-attack-1111',
  BUILD_NOTE: `sk-ant-api03-attack${'2'.repeat(30)}`,
  DEPLOY_ID: 'AKIAATTACKVALUE01212',
  SIGNER: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktattack1313\n-----END OPENSSH PRIVATE KEY-----',
  SESSION_BLOB: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdHRhY2sifQ.attack1414',
};

const setups: [string, (() => { uid: number; gid: number }) | undefined, TestDaemonOptions][] = [
  ['root, in the view', undefined, {}],
  ['an unprivileged user, in the view', unprivilegedUser, {}],
  ['root, on Landlock alone', undefined, { helperFlags: ['--no-userns'] }],
];

const DUMP = [
  'env > ./env.txt',
  'cat /proc/self/environ > ./self-environ.bin',
  'mkdir proc',
  'for p in /proc/[0-9]*; do n=${p#/proc/}; cat "$p/environ" > proc/$n.environ 2>/dev/null; cat "$p/cmdline" > proc/$n.cmdline 2>/dev/null; done',
  // The loop's status is its last cat's, which fails when that process ended meanwhile (with
  // Landlock alone every process of the machine is listed, and a full test run starts and ends
  // many): the dumps themselves are checked below.
  'true',
].join('; ');

const landlockOnly = (options: TestDaemonOptions): boolean => options.helperFlags?.includes('--no-userns') === true;

describe.each(setups)('secrets in the calling shell, as %s', (_label, who, daemonEnv) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    daemon = await startDaemon(world, { daemon: daemonEnv, ...(as ? { as } : {}) });
  });
  afterAll(async () => {
    await daemon.stop();
    world.cleanup();
  });

  it('never reach the sandbox: not its environment, /proc/self/environ, nor any visible process', async () => {
    const r = await runCli(['run', '-p', 'claude-code', '--credential', 'openai=env://MY_OPENAI', '--', 'sh', '-c', DUMP], world, {
      env: SECRETS,
      timeoutMs: 60_000,
      ...(as ? { as } : {}),
    });
    expect(r.code, r.stderr).toBe(0);
    const env = readFileSync(join(world.work, 'env.txt'), 'utf8');
    // The dumps are real: the phantom, the base URL and the sandbox's own variables are in them.
    expect(env).toMatch(/^ANTHROPIC_API_KEY=nono-phantom-[0-9a-f]{48}$/m);
    expect(env).toMatch(/^OPENAI_API_KEY=nono-phantom-[0-9a-f]{48}$/m);
    expect(readFileSync(join(world.work, 'self-environ.bin'), 'latin1')).toContain('ANTHROPIC_BASE_URL=http://127.0.0.1:');
    const cmdlines = readdirSync(join(world.work, 'proc')).filter((f) => f.endsWith('.cmdline')).map((f) => readFileSync(join(world.work, 'proc', f), 'latin1'));
    expect(cmdlines.some((c) => c.includes('env > ./env.txt'))).toBe(true);
    for (const name of Object.keys(SECRETS).filter((n) => !n.endsWith('_API_KEY'))) expect(env).not.toMatch(new RegExp(`^${name}=`, 'm'));
    expect(r.stderr).toMatch(/^nono: withheld from the sandbox \(look like secrets\): .*AWS_SECRET_ACCESS_KEY.*BUILD_NOTE.*DATABASE_URL.*DEPLOY_ID.*GITHUB_TOKEN.*GIT_REMOTE.*MY_OPENAI.*OPENAI_KEY.*REDIS_URL.*SESSION_BLOB.*SIGNER.*SSHPASS.*STRIPE_KEY.*npm_config__authToken/m);
    expect(r.stdout + r.stderr).not.toMatch(new RegExp(Object.values(SECRETS).join('|').replace(/[$^*+?.()|[\]{}\\/]/g, (c) => (c === '|' ? c : `\\${c}`))));
  });

  it("leave no trace in the sandbox's files, nono's database, logs or runtime dir", async () => {
    // Stopped first, so every log line and database page is on disk.
    await daemon.stop();
    const grep = spawnSync('grep', ['-r', '-l', '-a', '-F', ...Object.values(SECRETS).flatMap((v) => ['-e', v]), world.root], { encoding: 'utf8' });
    const found = grep.stdout.split('\n').filter(Boolean);
    const clientEnviron = (file: string): boolean =>
      file.startsWith(join(world.work, 'proc', '/')) && file.endsWith('.environ') && readFileSync(file.replace(/environ$/, 'cmdline'), 'latin1').includes('nono.cjs\0run');
    if (landlockOnly(daemonEnv)) {
      // The known gap and nothing more: the one file holding them is the client's own environ.
      expect(found.length).toBe(1);
      expect(found.filter(clientEnviron)).toEqual(found);
    } else {
      expect(found).toEqual([]);
      expect(grep.status).toBe(1);
    }
    // The search is real: the daemon log is there and names the session.
    expect(readFileSync(join(world.root, 'state', 'nono', 'nonod.log'), 'utf8')).toMatch(/session/);
  });
});
