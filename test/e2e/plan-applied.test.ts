// What `nono run --dry-run` shows is what the kernel is given: for every built-in profile, the
// user profiles and an installed pack with a pre-run hook and a skill, in the view and on Landlock alone, the dry-run plan from a real daemon is
// encoded as the launch encodes it, applied by the helper in its --print-applied mode, and the
// two compared rule for rule (Landlock rules and rights, mounts, masks, pins, read-only binds,
// stubs, the private /tmp, symlinks, network mode, limits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveNonoPaths, type SandboxPlan } from '@nono/shared';
import { BUILTIN_PROFILES_DIR } from '../../daemon/src/policy/policy-data.js';
import { encodeSpec, type SpecOptions } from '../../daemon/src/sandbox/encode-spec.js';
import { prepareHost } from '../../daemon/src/sessions/launch-session.js';
import { PackService } from '../../daemon/src/packs/pack-service.js';
import { publishPack } from '../../daemon/src/packs/publish-pack.js';
import { serveRegistry } from '../../daemon/src/packs/registry-server.js';
import { TrustKeyStore } from '../../daemon/src/trust/trust-keys.js';
import { usePrivateDaemon } from '../support/daemon-process.js';
import type { TestWorld } from '../support/sandbox-env.js';
import { runCli } from '../support/run-cli.js';
import { appliedBySpec, normaliseApplied, type Applied, type AppliedMount } from '../support/applied-rules.js';
import { memoryVault } from '../support/memory-vault.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/plan-profiles/', import.meta.url));
const userProfiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json'));
const builtinProfiles = readdirSync(BUILTIN_PROFILES_DIR).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json'));
const profiles = [...builtinProfiles, ...userProfiles];

const MEMORY = 2 * 1024 ** 3;
const PROCESSES = 300;
/** The rights that let Landlock write: a rule with one is bound writable in the view. */
const WRITE_RIGHTS = new Set(['write_file', 'remove_dir', 'remove_file', 'make_char', 'make_dir', 'make_reg', 'make_sock', 'make_fifo', 'make_block', 'make_sym', 'refer', 'truncate']);
/** Paths the view has its own of: never bound from the host (the helper's provided_by_view). */
const VIEW_OWN = new Set(['/', '/dev', '/dev/pts', '/dev/ptmx', '/dev/shm']);

const sorted = <T>(items: T[], key: (item: T) => string = String): T[] => [...items].sort((a, b) => key(a).localeCompare(key(b)));
const paths = (items: { path: string }[]): string[] => sorted(items.map((i) => i.path));


/** acme/hooked, with a pre-run hook and a skill, installed where the daemon finds packs (its lock stamp too). */
async function installHookedPack(world: TestWorld): Promise<void> {
  const source = join(world.root, 'src-hooked');
  mkdirSync(join(source, 'hooks'), { recursive: true });
  mkdirSync(join(source, 'skills'), { recursive: true });
  const manifest = { schema: 'nono-pack/1', namespace: 'acme', name: 'hooked', version: '1.0.0', profile: 'profile.json', hooks: [{ path: 'hooks/check.sh', event: 'pre-run' }], skills: [{ path: 'skills/review.md', install: 'claude:review' }] };
  writeFileSync(join(source, 'nono-pack.json'), JSON.stringify(manifest));
  writeFileSync(join(source, 'profile.json'), JSON.stringify({ extends: 'default' }));
  writeFileSync(join(source, 'hooks', 'check.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(join(source, 'skills', 'review.md'), '# Review\n');
  const keys = new TrustKeyStore(memoryVault());
  await keys.generate();
  const publisher = await keys.load();
  await publishPack(source, publisher, join(world.root, 'site'));
  const server = await serveRegistry({ dir: join(world.root, 'site') });
  const paths = resolveNonoPaths(world.env);
  mkdirSync(paths.configDir, { recursive: true });
  try {
    const service = new PackService({ packagesDir: paths.packagesDir, lockStamp: join(paths.stateDir, 'packs-lock.sha256'), configDir: paths.configDir, vault: memoryVault(), record: () => undefined });
    await service.pull('acme/hooked', server.url, publisher.fingerprint);
  } finally {
    await server.close();
  }
}

function isWithin(path: string, dir: string): boolean {
  return path === dir || dir === '/' || path.startsWith(`${dir}/`);
}

/** The Landlock rules the plan lists, merged by path as Landlock merges them. */
function plannedLandlock(plan: SandboxPlan): { path: string; rights: string[] }[] {
  const byPath = new Map<string, Set<string>>();
  for (const rule of plan.rules) {
    const set = byPath.get(rule.path) ?? new Set<string>();
    for (const right of rule.rights!) set.add(right);
    byPath.set(rule.path, set);
  }
  return sorted([...byPath].map(([path, set]) => ({ path, rights: [...set].sort() })), (r) => r.path).filter((r) => r.rights.length > 0);
}

/** How the helper launched by the daemon is told about the proxy, as the launch does. */
function proxyOptions(plan: SandboxPlan, socketPath: string): SpecOptions['proxy'] {
  if (plan.network !== 'proxied') return undefined;
  return plan.isolation.mode === 'view' ? { port: 3128, socketPath, auth: 'bm9ubzp0b2tlbg==', forwards: [] } : { port: 40_000, socketPath: undefined };
}

/** Every grant is visible in the view through a bind of itself or of a directory above, writable as the rule says. */
function expectGrantsBound(plan: SandboxPlan, mounts: AppliedMount[]): void {
  const binds = mounts.filter((m) => m.role === 'grant' || m.role === 'skeleton' || m.role === 'proc');
  const writes = (path: string): boolean => plan.rules.some((r) => r.path === path && r.rights!.some((right) => WRITE_RIGHTS.has(right)));
  for (const rule of plan.rules) {
    if (rule.own || VIEW_OWN.has(rule.path)) continue;
    if (rule.kind === 'skeleton') {
      expect(binds, `skeleton ${rule.path}`).toContainEqual(expect.objectContaining({ path: rule.path, role: 'skeleton', readOnly: true }));
      continue;
    }
    const holder = binds.filter((m) => isWithin(rule.path, m.path)).sort((a, b) => b.path.length - a.path.length)[0];
    expect(holder, `no mount shows ${rule.path} (${rule.source})`).toBeDefined();
    if (holder!.role === 'grant') expect({ path: rule.path, readOnly: holder!.readOnly }).toEqual({ path: rule.path, readOnly: !writes(rule.path) });
  }
  for (const mount of binds) expect(plan.rules.map((r) => r.path), `mount ${mount.path} has no rule`).toContain(mount.path);
}

function expectViewMatches(plan: SandboxPlan, applied: Applied): void {
  const { mounts, symlinks } = normaliseApplied(applied);
  const role = (name: AppliedMount['role']): string[] => paths(mounts.filter((m) => m.role === name));
  const skipped = (record: string): string[] => applied.skipped.filter((s) => s.record === record).map((s) => s.path);
  const own = plan.ownMounts!;
  expect(role('root')).toEqual(['/']);
  expect(
    mounts.filter((m) => m.role === 'dev' || m.role === 'dev-pts' || m.role === 'dev-shm').map((m) => ({ path: m.path, type: m.type })),
  ).toEqual(own.filter((m) => m.type === 'tmpfs' || m.type === 'devpts').map((m) => ({ path: m.path, type: m.type })));
  expect(mounts.filter((m) => m.role === 'tmp').map((m) => ({ path: m.path, source: m.source }))).toEqual(
    own.filter((m) => m.type === 'bind').map((m) => ({ path: m.path, source: m.from })),
  );
  expect(sorted([...role('mask'), ...skipped('mask')])).toEqual(paths(plan.masks));
  expect(role('pin')).toEqual(paths(plan.pins));
  expect(role('readonly')).toEqual(paths(plan.readonly));
  expect(sorted([...role('stub'), ...skipped('stub')])).toEqual(paths(plan.blockedCommands));
  expectGrantsBound(plan, mounts);
  const ownLinks = own.filter((m) => m.type === 'symlink').map((m) => ({ path: m.path, target: m.from! }));
  const made = symlinks.filter((l) => !ownLinks.some((o) => o.path === l.path));
  expect(sorted(symlinks.filter((l) => ownLinks.some((o) => o.path === l.path)), (l) => l.path)).toEqual(sorted(ownLinks, (l) => l.path));
  expect(sorted([...made.map((l) => l.path), ...skipped('symlink')])).toEqual(paths(plan.symlinks));
}

describe.each([
  ['view', [] as string[]],
  ['landlock', ['--no-userns']],
])('the dry-run plan is what the helper applies, %s mode', (mode, helperFlags) => {
  const ctx = usePrivateDaemon(helperFlags.length > 0 ? { daemon: { helperFlags } } : {});
  let proxySocket: string;
  let proxy: Server;

  beforeAll(async () => {
    const { home } = ctx.world;
    const profilesDir = join(ctx.world.root, 'config', 'nono', 'profiles');
    mkdirSync(profilesDir, { recursive: true });
    for (const name of userProfiles) copyFileSync(join(FIXTURES, `${name}.json`), join(profilesDir, `${name}.json`));
    for (const dir of ['tools', 'cache', 'private/keys']) mkdirSync(join(home, dir), { recursive: true });
    writeFileSync(join(home, 'notes.txt'), 'notes\n');
    // A repository in the workdir: its hooks and config are write-protected in the view.
    mkdirSync(join(ctx.world.work, '.git', 'hooks'), { recursive: true });
    writeFileSync(join(ctx.world.work, '.git', 'config'), '[core]\n');
    writeFileSync(join(ctx.world.work, '.envrc'), 'export A=1\n');
    await installHookedPack(ctx.world);
    proxySocket = join(ctx.world.root, 'proxy.sock');
    proxy = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => proxy.listen(proxySocket, resolve));
  });
  afterAll(() => proxy?.close());

  // Besides the profiles, grants only the view can give: one over nono's own directories
  // (masked) and one of the home (rebuilt without its protected entries), with and without a
  // pack whose version directory is carved out of the packs dir for its hook.
  const cases: [string, (world: TestWorld) => string[]][] = [
    ...profiles.map((profile): [string, (world: TestWorld) => string[]] => [profile, () => ['-p', profile]]),
    ['pack acme/hooked', () => ['-p', 'acme/hooked']],
    // Approvals turn an open network into a proxied one: the plan says so and the helper applies it.
    ['default --ask', () => ['-p', 'default', '--ask']],
    ...(mode === 'view'
      ? ([
          ['default --read <world root>', (world) => ['-p', 'default', '--read', world.root]],
          ['default --allow ~', (world) => ['-p', 'default', '--allow', world.home]],
          ['acme/hooked --read <world root>', (world) => ['-p', 'acme/hooked', '--read', world.root]],
          ['acme/hooked --allow ~', (world) => ['-p', 'acme/hooked', '--allow', world.home]],
        ] as [string, (world: TestWorld) => string[]][])
      : []),
  ];

  it.each(cases)('%s', async (label, args) => {
    const r = await runCli(['run', ...args(ctx.world), '--dry-run', '--json', '--memory', String(MEMORY), '--max-processes', String(PROCESSES), '--', 'true'], ctx.world);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as SandboxPlan;
    expect(plan.isolation.mode).toBe(mode);
    // File approvals in both modes: the helper then applies its spec with the approvals channel.
    if (label.endsWith('--ask')) expect(plan.approvals).toEqual({ network: true, files: true });
    const view = mode === 'view';

    // What the launch makes before the helper starts: state paths, git dirs, the private /tmp,
    // and the session CA files the proxy writes where the plan says.
    const privateTmpDir = plan.privateTmp ?? plan.rules.find((rule) => rule.source === 'private TMPDIR')?.path ?? null;
    prepareHost({ plan, privateTmpDir });
    const caFiles = plan.rules.filter((rule) => rule.source === 'nono: session CA for intercepted hosts').map((rule) => rule.path);
    for (const file of caFiles) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, '');
    }
    try {
      const spec = encodeSpec(plan, { processesBesides: view ? 1 : 0, proxy: proxyOptions(plan, proxySocket) });
      const applied = await appliedBySpec(spec, helperFlags);
      const comparable = normaliseApplied(applied);
      expect(comparable.view).toBe(view);
      expect(comparable.landlock).toEqual(plannedLandlock(plan));
      expect(comparable.network).toBe(plan.network === 'proxied' && !view ? 'filtered' : plan.network);
      expect(comparable.ports).toEqual(plan.network === 'proxied' && !view ? ['connect 40000'] : []);
      expect(comparable.rlimits).toEqual({ as: MEMORY, nproc: PROCESSES + (view ? 1 : 0) });
      expect(applied.dropped).toEqual([]);
      expect(applied.skipped.filter((s) => s.record === 'fs' || s.record === 'readonly')).toEqual([]);
      if (view) expectViewMatches(plan, applied);
      else expect(comparable.mounts).toEqual([]);
    } finally {
      if (privateTmpDir) rmSync(privateTmpDir, { recursive: true, force: true });
      for (const file of caFiles) rmSync(file, { force: true });
    }
  });
});
