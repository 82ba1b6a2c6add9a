// Signed instruction files against a real daemon, a real keychain (Secret Service) and the
// real sandbox: a signed CLAUDE.md lets the agent start, one changed byte stops it, and inside
// the sandbox the signed file cannot be rewritten while the rest of the workdir can.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { runCli } from '../support/run-cli.js';

let world: TestWorld;
let daemon: RunningDaemon | undefined;
let service: SecretService | undefined;
const project = () => join(world.work, 'agent-project');
const policyFile = () => join(world.root, 'config', 'nono', 'trust-policy.json');
const cli = (...args: string[]) => runCli(args, world, { cwd: project() });
let userPolicy: string;

beforeAll(async () => {
  world = createWorld();
  service = startSecretService(world.root);
  if (!service) throw new Error('gnome-keyring-daemon and dbus-daemon are needed (scripts/install-system-packages.sh installs them)');
  daemon = await startDaemon(world, { env: service.env });
  const keygen = await runCli(['trust', 'keygen', '--enforce', '--json'], world);
  expect(keygen.code, keygen.stderr).toBe(0);
  expect(JSON.parse(keygen.stdout)).toMatchObject({ policyCreated: policyFile(), enforcement: 'deny' });
  userPolicy = readFileSync(policyFile(), 'utf8');
});

afterAll(async () => {
  await daemon?.stop();
  service?.stop();
  world?.cleanup();
});

beforeEach(async () => {
  writeFileSync(policyFile(), userPolicy);
  rmSync(project(), { recursive: true, force: true });
  mkdirSync(project(), { recursive: true });
  writeFileSync(join(project(), 'CLAUDE.md'), 'Be careful. Run the tests.\n');
  writeFileSync(join(project(), 'notes.txt'), 'scratch\n');
  const sign = await cli('trust', 'sign', 'CLAUDE.md');
  expect(sign.code, sign.stderr).toBe(0);
});

describe('trust before nono run', () => {
  it('keygen without --enforce writes a warn policy: an unsigned CLAUDE.md is a warning, not a refusal', async () => {
    rmSync(policyFile());
    const keygen = await runCli(['trust', 'keygen', '--id', 'plain', '--json'], world);
    expect(keygen.code, keygen.stderr).toBe(0);
    expect(JSON.parse(keygen.stdout)).toMatchObject({ policyCreated: policyFile(), enforcement: 'warn' });
    expect(JSON.parse(readFileSync(policyFile(), 'utf8'))).toMatchObject({ enforcement: 'warn', publishers: [{ name: 'plain' }] });
    rmSync(join(project(), 'CLAUDE.md.bundle'));
    const unsigned = await cli('run', '--allow-cwd', '--', 'true');
    expect(unsigned.code, unsigned.stderr).toBe(0);
    // A second key leaves the user's policy alone unless asked to enforce it.
    expect(JSON.parse((await runCli(['trust', 'keygen', '--id', 'second', '--json'], world)).stdout)).toMatchObject({ policyCreated: null, enforcement: 'warn' });
    const enforced = JSON.parse((await runCli(['trust', 'keygen', '--id', 'third', '--enforce', '--json'], world)).stdout) as { enforcement: string };
    expect(enforced.enforcement).toBe('deny');
    expect((await cli('run', '--allow-cwd', '--', 'true')).code).toBe(125);
  });

  it('starts on a signed CLAUDE.md, refuses one changed byte naming the file (125), and --trust-override runs anyway', async () => {
    const ok = await cli('run', '--allow-cwd', '--', 'true');
    expect(ok.code, ok.stderr).toBe(0);
    const list = JSON.parse((await cli('trust', 'list', '--json')).stdout) as { results: { path: string; status: string; publisher?: string }[] };
    expect(list.results).toEqual([expect.objectContaining({ path: 'CLAUDE.md', status: 'signed', publisher: 'default' })]);

    writeFileSync(join(project(), 'CLAUDE.md'), 'Be careful. Run the tests!\n');
    const refused = await cli('run', '--allow-cwd', '--', 'true');
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/CLAUDE\.md/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect((await cli('trust', 'verify', 'CLAUDE.md')).code).toBe(1);

    const overridden = await cli('run', '--trust-override', '--allow-cwd', '--', 'true');
    expect(overridden.code, overridden.stderr).toBe(0);
    const audit = JSON.parse((await cli('audit', 'list', '--kind', 'trust.override', '--json')).stdout) as { payload: { path: string } }[];
    expect(audit.map((e) => e.payload.path)).toContain('CLAUDE.md');
  });

  it('--dry-run passes the same gate: it shows the verdict and the read-only signed files, refuses as a run would, and records nothing', async () => {
    const before = JSON.parse((await cli('audit', 'list', '--kind', 'trust.verify', '--json')).stdout) as unknown[];
    const shown = await cli('run', '--dry-run', '--json', '--allow-cwd', '--', 'true');
    expect(shown.code, shown.stderr).toBe(0);
    const plan = JSON.parse(shown.stdout) as { trust: { enforcement: string; files: { path: string; status: string }[] }; readonly: { path: string; source: string }[] };
    expect(plan.trust).toMatchObject({ enforcement: 'deny', overridden: false });
    expect(plan.trust.files).toContainEqual(expect.objectContaining({ status: 'signed' }));
    expect(plan.readonly).toContainEqual({ path: join(project(), 'CLAUDE.md'), source: 'trust: signed instruction file' });

    writeFileSync(join(project(), 'CLAUDE.md'), 'Be careful. Run the tests!\n');
    const refused = await cli('run', '--dry-run', '--allow-cwd', '--', 'true');
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/CLAUDE\.md/);
    const after = JSON.parse((await cli('audit', 'list', '--kind', 'trust.verify', '--json')).stdout) as unknown[];
    expect(after).toHaveLength(before.length);
  });

  it('inside the sandbox the signed file cannot be modified, moved or deleted, while other files can', async () => {
    const r = await cli(
      'run', '--allow-cwd', '--', 'sh', '-c',
      'echo more >> CLAUDE.md && echo wrote; mv CLAUDE.md x.md && echo moved; rm -f CLAUDE.md.bundle; echo ok > notes.txt && echo notes',
    );
    expect(r.stdout).not.toMatch(/wrote|moved/);
    expect(r.stdout).toMatch(/notes/);
    expect(r.stderr).toMatch(/Read-only file system|Permission denied/);
    expect(readFileSync(join(project(), 'CLAUDE.md'), 'utf8')).toBe('Be careful. Run the tests.\n');
    expect(existsSync(join(project(), 'CLAUDE.md.bundle'))).toBe(true);
    expect(readFileSync(join(project(), 'notes.txt'), 'utf8')).toBe('ok\n');
  });

  it('refuses a file signed by a key that is not a publisher, and a blocklisted digest even though signed', async () => {
    expect((await cli('trust', 'keygen', '--id', 'stranger')).code).toBe(0);
    expect((await cli('trust', 'sign', 'CLAUDE.md', '--key', 'stranger')).code).toBe(0);
    const stranger = await cli('run', '--allow-cwd', '--', 'true');
    expect(stranger.code).toBe(125);
    expect(stranger.stderr).toMatch(/CLAUDE\.md/);

    expect((await cli('trust', 'sign', 'CLAUDE.md')).code).toBe(0);
    const digest = createHash('sha256').update(readFileSync(join(project(), 'CLAUDE.md'))).digest('hex');
    writeFileSync(policyFile(), JSON.stringify({ ...JSON.parse(userPolicy), blocklist: [{ sha256: digest, reason: 'known injection' }] }));
    const blocked = await cli('run', '--allow-cwd', '--', 'true');
    expect(blocked.code).toBe(125);
    expect(blocked.stderr).toMatch(/CLAUDE\.md/);
    expect(JSON.parse((await cli('trust', 'verify', '--all', '--json')).stdout).results[0].status).toBe('blocklisted');
  });

  it('names the file for a truncated bundle, a bundle for another file, and a policy with a syntax error', async () => {
    const bundle = join(project(), 'CLAUDE.md.bundle');
    writeFileSync(bundle, readFileSync(bundle, 'utf8').slice(0, 80));
    const truncated = await cli('run', '--allow-cwd', '--', 'true');
    expect(truncated.code).toBe(125);
    expect(truncated.stderr).toMatch(/CLAUDE\.md/);

    expect((await cli('trust', 'sign', 'CLAUDE.md')).code).toBe(0);
    writeFileSync(join(project(), 'AGENTS.md'), 'Be careful. Run the tests.\n');
    copyFileSync(bundle, join(project(), 'AGENTS.md.bundle'));
    const other = JSON.parse((await cli('trust', 'verify', 'AGENTS.md', '--json')).stdout) as { results: { status: string; reason: string }[] };
    expect(other.results[0]!.status).toBe('invalid-bundle');
    expect(other.results[0]!.reason).toMatch(/AGENTS\.md/);
    rmSync(join(project(), 'AGENTS.md'));
    rmSync(join(project(), 'AGENTS.md.bundle'));

    writeFileSync(policyFile(), '{ "enforcement": "deny", ');
    const broken = await cli('run', '--allow-cwd', '--', 'true');
    expect(broken.code).toBe(125);
    expect(broken.stderr).toContain(policyFile());
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
  });
});
